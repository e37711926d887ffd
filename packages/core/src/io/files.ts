/**
 * File I/O, exported from the main entry. In Node it reads and writes files; in
 * the browser build every function rejects with a FileSystemUnavailableError
 * naming the in-memory API to use (see file-system.ts).
 */
import { fileSystem, type FileApi } from './file-system';
import type * as nodeIo from './node';

const load = async (api: FileApi) => (await fileSystem(api)).io;

type Params<K extends keyof typeof nodeIo> = (typeof nodeIo)[K] extends (...args: infer A) => unknown ? A : never;

/** A whole file's bytes, or undefined when it does not exist; refused unread when over `maxBytes`. */
export async function readFileIfPresent(...args: Params<'readFileIfPresent'>) {
  return (await load('readFileIfPresent')).readFileIfPresent(...args);
}

/** Reads a .safetensors file into tfjs tensors (the caller disposes them). */
export async function loadSafetensorsFile(...args: Params<'loadSafetensorsFile'>) {
  return (await load('loadSafetensorsFile')).loadSafetensorsFile(...args);
}

/** Reads a .safetensors file into plain typed arrays. */
export async function loadSafetensorsFileRaw(...args: Params<'loadSafetensorsFileRaw'>) {
  return (await load('loadSafetensorsFileRaw')).loadSafetensorsFileRaw(...args);
}

/** Reads only the header of a .safetensors file. */
export async function readSafetensorsFileHeader(...args: Params<'readSafetensorsFileHeader'>) {
  return (await load('readSafetensorsFileHeader')).readSafetensorsFileHeader(...args);
}

/** Writes tensors to a .safetensors file through a temporary name and a rename. */
export async function saveSafetensorsFile(...args: Params<'saveSafetensorsFile'>) {
  return (await load('saveSafetensorsFile')).saveSafetensorsFile(...args);
}

/** Reads one adapter of a peft folder: its config and its tensors under peft's file names. */
export async function loadAdapterFiles(...args: Params<'loadAdapter'>) {
  return (await load('loadAdapterFiles')).loadAdapter(...args);
}

/** Writes one adapter as peft's two files, atomically. */
export async function saveAdapterFiles(...args: Params<'saveAdapter'>) {
  return (await load('saveAdapterFiles')).saveAdapter(...args);
}

/** The adapter names saved in a peft folder (`default` at its top, then sub-folders). */
export async function listAdapters(...args: Params<'listAdapters'>) {
  return (await load('listAdapters')).listAdapters(...args);
}

export type { AdapterPaths, AdapterToSave, FolderLockOptions, LoadAdapterFilesOptions, LoadedAdapter, SaveAdapterFilesOptions } from './node';
