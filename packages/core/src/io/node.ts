/**
 * Node-only file I/O for the formats in `./index`: imports `node:fs`, so browser
 * bundles must not import this entry.
 */
export {
  loadSafetensorsFile,
  loadSafetensorsFileRaw,
  readSafetensorsFileHeader,
  saveSafetensorsFile,
} from './node/safetensors-file';
export { readFileIfPresent } from './node/bounded-file';
export { adapterPaths, adapterPathsToRead, listAdapters, loadAdapter, saveAdapter } from './node/adapter-directory';
export type { AdapterPaths, AdapterToSave, LoadAdapterFilesOptions, LoadedAdapter, SaveAdapterFilesOptions } from './node/adapter-directory';
export type { FolderLockOptions } from './node/folder-lock';
export { writeFilesAtomically } from './node/atomic-write';
export type { AtomicWriteFs, FileToWrite } from './node/atomic-write';
