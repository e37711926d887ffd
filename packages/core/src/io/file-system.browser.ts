/**
 * The browser build's stand-in for `file-system.ts` (swapped in by tsup.config.ts):
 * there is no file system, so each file function fails with a typed error that
 * names the in-memory API doing the same work on bytes (from `fetch`, a file
 * input, IndexedDB) instead of a path.
 */
import { FileSystemUnavailableError } from './errors';
import type { FileApi, FileSystem } from './file-system';

const FETCH_BYTES = 'new Uint8Array(await (await fetch(url)).arrayBuffer())';
const CHECKPOINTS = 'checkpoints are folders: train without the `checkpoint` option, and keep parameters as bytes with encodeSafetensors';

export const IN_MEMORY_ALTERNATIVES: Readonly<Record<FileApi, string>> = {
  readFileIfPresent: `fetch the file instead: ${FETCH_BYTES} (a checkpoint folder loads from its URL)`,
  loadSafetensorsFile: `decode the bytes instead: decodeSafetensors(${FETCH_BYTES})`,
  loadSafetensorsFileRaw: `decode the bytes instead: decodeSafetensorsRaw(${FETCH_BYTES})`,
  readSafetensorsFileHeader: `read the header from bytes instead: readSafetensorsHeader(${FETCH_BYTES})`,
  saveSafetensorsFile: 'encode to bytes instead: encodeSafetensors(tensors) returns the file, to download or store',
  loadAdapterFiles:
    "load from a URL (PeftModel.fromPretrained(base, 'https://...') or model.loadAdapter(url, name)) or from bytes (PeftModel.fromAdapterBytes / model.loadAdapterBytes)",
  saveAdapterFiles:
    'take the two files as bytes instead: await model.toAdapterBytes(adapterName) gives adapter_config.json and adapter_model.safetensors, to download or store',
  listAdapters: 'list the adapters where they are served (a manifest next to them, say)',
  saveCheckpoint: CHECKPOINTS,
  loadCheckpoint: CHECKPOINTS,
  listCheckpoints: CHECKPOINTS,
  resolveCheckpoint: CHECKPOINTS,
  pruneCheckpoints: CHECKPOINTS,
};

export async function fileSystem(api: FileApi): Promise<FileSystem> {
  throw new FileSystemUnavailableError(api, IN_MEMORY_ALTERNATIVES[api]);
}
