/**
 * Node file I/O, exported from the main entry but loaded on first call: the
 * module behind it imports `node:fs`, which browser bundles must not pull in
 * unless these functions are used.
 */
import type * as nodeIo from './node';

const load = () => import('./node');

type Params<K extends keyof typeof nodeIo> = (typeof nodeIo)[K] extends (...args: infer A) => unknown ? A : never;

/** Reads a .safetensors file into tfjs tensors (the caller disposes them). */
export async function loadSafetensorsFile(...args: Params<'loadSafetensorsFile'>) {
  return (await load()).loadSafetensorsFile(...args);
}

/** Reads a .safetensors file into plain typed arrays. */
export async function loadSafetensorsFileRaw(...args: Params<'loadSafetensorsFileRaw'>) {
  return (await load()).loadSafetensorsFileRaw(...args);
}

/** Reads only the header of a .safetensors file. */
export async function readSafetensorsFileHeader(...args: Params<'readSafetensorsFileHeader'>) {
  return (await load()).readSafetensorsFileHeader(...args);
}

/** Writes tensors to a .safetensors file through a temporary name and a rename. */
export async function saveSafetensorsFile(...args: Params<'saveSafetensorsFile'>) {
  return (await load()).saveSafetensorsFile(...args);
}

/** Reads one adapter of a peft folder: its config and its tensors under peft's file names. */
export async function loadAdapterFiles(...args: Params<'loadAdapter'>) {
  return (await load()).loadAdapter(...args);
}

/** Writes one adapter as peft's two files, atomically. */
export async function saveAdapterFiles(...args: Params<'saveAdapter'>) {
  return (await load()).saveAdapter(...args);
}

/** The adapter names saved in a peft folder (`default` at its top, then sub-folders). */
export async function listAdapters(...args: Params<'listAdapters'>) {
  return (await load()).listAdapters(...args);
}

export type { AdapterPaths, AdapterToSave, FolderLockOptions, LoadAdapterFilesOptions, LoadedAdapter, SaveAdapterFilesOptions } from './node';
