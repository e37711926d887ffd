import type * as tf from '@tensorflow/tfjs-core';
import { promises as fsp, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { NotFoundError } from '../../errors';
import { quoteText } from '../../util/quote';
import { UnsafePathError } from '../errors';
import { COMMIT_RECORD_FILE, formatCommitRecord, makeCommitRecord } from '../peft/commit-record';
import type { AdapterConfigDocument } from '../peft/adapter-config';
import { decodeAdapterBytes, encodeAdapterBytes, type AdapterToSave } from '../peft/adapter-bytes';
import {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  DEFAULT_ADAPTER_NAME,
  adapterSubfolder,
  assertAdapterName,
} from '../peft/layout';
import type { DecodeSafetensorsOptions } from '../safetensors/decode-raw';
import { readAdapterFileBytes, tidyAdapterFolder, tidyAfterDeadWriters } from './adapter-folder-state';
import { writeFilesAtomically, type AtomicWriteFs } from './atomic-write';
import { acquireFolderLock, type FolderLockOptions } from './folder-lock';

export interface AdapterPaths {
  /** The folder holding this adapter's two files: `directory`, or `directory/<name>`. */
  readonly adapterDirectory: string;
  readonly configPath: string;
  readonly weightsPath: string;
}

/** Where peft keeps adapter `adapterName` of a folder saved with `save_pretrained`. */
export function adapterPaths(directory: string, adapterName: string = DEFAULT_ADAPTER_NAME): AdapterPaths {
  const adapterDirectory = path.join(directory, adapterSubfolder(adapterName));
  return {
    adapterDirectory,
    configPath: path.join(adapterDirectory, ADAPTER_CONFIG_FILE),
    weightsPath: path.join(adapterDirectory, ADAPTER_WEIGHTS_FILE),
  };
}

export type { AdapterToSave } from '../peft/adapter-bytes';

export interface SaveAdapterFilesOptions {
  /** How long to wait for another process saving into the same folder (and when to call its lock abandoned). */
  readonly lock?: FolderLockOptions;
  /** The file system calls of the final write; tests replace them to inject failures. */
  readonly fs?: AtomicWriteFs;
}

/**
 * Save an adapter as peft's `save_pretrained` lays it out, whole or not at all,
 * for readers too. Both files are encoded in memory first; then, holding the
 * folder's writer lock, the weights, the config and the commit record that pairs
 * them are written through temporary names and renamed in that order (see
 * adapter-folder-state.ts for why a reader never sees a torn pair). Files dead
 * writers left in the folder are removed first. An adapter sub-folder that is a
 * symlink is refused: a save never writes through a link to somewhere else.
 */
export async function saveAdapter(directory: string, adapter: AdapterToSave, options: SaveAdapterFilesOptions | AtomicWriteFs = {}): Promise<AdapterPaths> {
  const { lock: lockOptions, fs } = 'writeNew' in options ? { lock: undefined, fs: options } : options;
  const paths = adapterPaths(directory, adapter.adapterName);
  const { config, weights } = await encodeAdapterBytes(adapter);
  const record = formatCommitRecord(await makeCommitRecord(config, weights));
  await prepareAdapterDirectory(directory, paths.adapterDirectory);
  const lock = await acquireFolderLock(paths.adapterDirectory, lockOptions);
  try {
    await tidyAdapterFolder(paths);
    await writeFilesAtomically(
      [
        { path: paths.weightsPath, data: weights },
        { path: paths.configPath, data: config },
        { path: path.join(paths.adapterDirectory, COMMIT_RECORD_FILE), data: record },
      ],
      fs,
    );
  } finally {
    await lock.release();
  }
  return paths;
}

/** Creates the folders; an adapter sub-folder must be a real folder inside `directory`. */
async function prepareAdapterDirectory(directory: string, adapterDirectory: string): Promise<void> {
  await fsp.mkdir(directory, { recursive: true });
  if (adapterDirectory === path.join(directory, '')) return;
  const stats = await fsp.lstat(adapterDirectory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (stats?.isSymbolicLink()) {
    throw new UnsafePathError(adapterDirectory, 'the adapter sub-folder is a symbolic link; a save never writes through a link (replace it with a real folder)');
  }
  if (stats !== undefined && !stats.isDirectory()) throw new UnsafePathError(adapterDirectory, 'expected a folder for the adapter, found a file');
  if (stats === undefined) await fsp.mkdir(adapterDirectory).catch((error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? undefined : Promise.reject(error)));
  // A link swapped in after the check above still cannot redirect the write.
  const [real, realParent] = await Promise.all([fsp.realpath(adapterDirectory), fsp.realpath(directory)]);
  if (real !== path.join(realParent, path.basename(adapterDirectory))) {
    throw new UnsafePathError(adapterDirectory, `the adapter sub-folder resolves to ${quoteText(real, 200)}, outside ${quoteText(realParent, 200)}`);
  }
}

export interface LoadAdapterFilesOptions extends DecodeSafetensorsOptions {
  /** The name the adapter gets: `default` or another. Default `default`. */
  readonly adapterName?: string;
  /**
   * The folder to read, inside `directory`: by default the adapter's own place in
   * peft's layout (the top for `default`, else the sub-folder named after it).
   * `''` reads the top of `directory` whatever the name, as peft's
   * `load_adapter(path, adapter_name)` does.
   */
  readonly subfolder?: string;
  /** Accept tensors holding NaN or infinities (refused by default, naming the tensor). */
  readonly allowNonFinite?: boolean;
}

export interface LoadedAdapter extends AdapterConfigDocument {
  readonly adapterName: string;
  readonly paths: AdapterPaths;
  /** Under peft's file names; the caller owns (and disposes) them. */
  readonly tensors: Record<string, tf.Tensor>;
  readonly metadata: Record<string, string>;
}

/** Where `loadAdapter` reads: the sub-folder asked for, or the adapter's own place. */
export function adapterPathsToRead(directory: string, options: Pick<LoadAdapterFilesOptions, 'adapterName' | 'subfolder'> = {}): AdapterPaths {
  const adapterName = options.adapterName ?? DEFAULT_ADAPTER_NAME;
  assertAdapterName(adapterName);
  if (options.subfolder === undefined) return adapterPaths(directory, adapterName);
  // Sub-folder names follow adapter names' rules: no separators, no '..'.
  if (options.subfolder !== '') assertAdapterName(options.subfolder);
  return adapterPaths(path.join(directory, options.subfolder));
}

/**
 * Load an adapter folder written by peft's `save_pretrained` (or by `saveAdapter`):
 * its config and weights from one save, never a torn pair (see
 * `readAdapterFileBytes`). Files dead writers left are tidied on the way.
 */
export async function loadAdapter(directory: string, options: LoadAdapterFilesOptions = {}): Promise<LoadedAdapter> {
  const adapterName = options.adapterName ?? DEFAULT_ADAPTER_NAME;
  const paths = adapterPathsToRead(directory, options);
  await tidyAfterDeadWriters(paths);
  const bytes = await readAdapterFileBytes(paths);
  // The format follows the file name read (adapter_model.bin is torch.save), not the bytes.
  const { config, floatPaths, tensors, metadata } = decodeAdapterBytes(bytes, { ...options, weightsFormat: bytes.weightsFormat });
  return { config, floatPaths, adapterName, paths, tensors, metadata };
}

/** Names of the adapters saved in a folder: `default` at its top, then sub-folders, sorted. */
export async function listAdapters(directory: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await fsp.readdir(directory, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`No adapter folder at ${directory}`);
    throw error;
  }
  const names: string[] = [];
  if (entries.some((entry) => entry.isFile() && entry.name === ADAPTER_CONFIG_FILE)) names.push(DEFAULT_ADAPTER_NAME);
  const candidates = entries.filter((entry) => entry.isDirectory() && entry.name !== DEFAULT_ADAPTER_NAME && isUsableName(entry.name));
  for (const entry of candidates.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const hasConfig = await fsp.access(path.join(directory, entry.name, ADAPTER_CONFIG_FILE)).then(() => true, () => false);
    if (hasConfig) names.push(entry.name);
  }
  return names;
}

function isUsableName(name: string): boolean {
  try {
    assertAdapterName(name);
    return true;
  } catch {
    return false;
  }
}
