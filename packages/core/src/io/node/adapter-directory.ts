import type * as tf from '@tensorflow/tfjs-core';
import { promises as fsp, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { NotFoundError } from '../../errors';
import { AdapterFormatError } from '../errors';
import { formatAdapterConfig, parseAdapterConfig, type AdapterConfig, type AdapterConfigDocument } from '../peft/adapter-config';
import {
  ADAPTER_CONFIG_FILE,
  ADAPTER_PICKLE_WEIGHTS_FILE,
  ADAPTER_WEIGHTS_FILE,
  DEFAULT_ADAPTER_NAME,
  adapterSubfolder,
  assertAdapterName,
} from '../peft/layout';
import { decodeSafetensors } from '../safetensors/decode';
import type { DecodeSafetensorsOptions } from '../safetensors/decode-raw';
import { encodeSafetensors, type EncodableTensor, type EncodeSafetensorsOptions } from '../safetensors/encode';
import { writeFilesAtomically, type AtomicWriteFs } from './atomic-write';
import { readFileOrNotFound } from './safetensors-file';

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

export interface AdapterToSave extends Pick<EncodeSafetensorsOptions, 'dtypes'> {
  readonly config: AdapterConfig;
  /** Tensors under peft's file names (see `toPeftFileState`). */
  readonly tensors: Readonly<Record<string, EncodableTensor>>;
  /** Defaults to `default`, which peft writes at the top of the folder. */
  readonly adapterName?: string;
  /** Config numbers to write as floats even when integral (from `loadAdapter`). */
  readonly floatPaths?: Iterable<string>;
  /** Safetensors metadata; defaults to peft's `{ format: 'pt' }`, which transformers checks for. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Save an adapter as peft's `save_pretrained` lays it out. Both files are encoded
 * in memory first, then written through temporary names and renamed, weights first
 * and config last: a failure leaves the previous adapter (if any) whole.
 */
export async function saveAdapter(directory: string, adapter: AdapterToSave, fs?: AtomicWriteFs): Promise<AdapterPaths> {
  const paths = adapterPaths(directory, adapter.adapterName);
  const config = formatAdapterConfig(adapter.config, { floatPaths: adapter.floatPaths });
  const weights = encodeSafetensors(adapter.tensors, { metadata: adapter.metadata ?? { format: 'pt' }, dtypes: adapter.dtypes });
  await fsp.mkdir(paths.adapterDirectory, { recursive: true });
  await writeFilesAtomically(
    [
      { path: paths.weightsPath, data: weights },
      { path: paths.configPath, data: config },
    ],
    fs,
  );
  return paths;
}

export interface LoadAdapterFilesOptions extends DecodeSafetensorsOptions {
  /** Which adapter of the folder: `default` (the top) or a sub-folder's name. */
  readonly adapterName?: string;
}

export interface LoadedAdapter extends AdapterConfigDocument {
  readonly adapterName: string;
  readonly paths: AdapterPaths;
  /** Under peft's file names; the caller owns (and disposes) them. */
  readonly tensors: Record<string, tf.Tensor>;
  readonly metadata: Record<string, string>;
}

/** Load an adapter folder written by peft's `save_pretrained` (or by `saveAdapter`). */
export async function loadAdapter(directory: string, options: LoadAdapterFilesOptions = {}): Promise<LoadedAdapter> {
  const adapterName = options.adapterName ?? DEFAULT_ADAPTER_NAME;
  const paths = adapterPaths(directory, adapterName);
  const configText = new TextDecoder().decode(await readFileOrNotFound(paths.configPath, `adapter config for "${adapterName}"`));
  const document = parseAdapterConfig(configText);
  const weights = await readWeights(paths);
  const { tensors, metadata } = decodeSafetensors(weights, options);
  return { ...document, adapterName, paths, tensors, metadata };
}

async function readWeights(paths: AdapterPaths): Promise<Uint8Array> {
  try {
    return await readFileOrNotFound(paths.weightsPath, 'adapter weights');
  } catch (error) {
    const picklePath = path.join(paths.adapterDirectory, ADAPTER_PICKLE_WEIGHTS_FILE);
    if (error instanceof NotFoundError && (await fsp.access(picklePath).then(() => true, () => false))) {
      throw new AdapterFormatError(
        'UNSUPPORTED_WEIGHTS',
        `${picklePath} is a pickle file, which cannot be read safely; convert it in Python with peft's save_pretrained(safe_serialization=True)`,
      );
    }
    throw error;
  }
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
