/**
 * The file system behind every function that reads or writes files (adapter
 * folders, .safetensors files, checkpoints). This is the Node side. The browser
 * build of @peftjs/core (tsup.config.ts, the package's non-`node` export
 * condition) swaps this module for `file-system.browser.ts`, so nothing a browser
 * bundle reaches imports a Node built-in, and the same calls keep working in Node.
 *
 * Loaded on first call, not at import: importing @peftjs/core stays cheap.
 */
import type * as NodeFs from 'node:fs/promises';
import type * as NodePath from 'node:path';
import type * as NodeIo from './node';

export interface FileSystem {
  readonly fs: typeof NodeFs;
  readonly path: typeof NodePath;
  readonly io: typeof NodeIo;
}

/** The public functions that need a file system; the browser build names each one's in-memory alternative. */
export type FileApi =
  | 'readFileIfPresent'
  | 'loadSafetensorsFile'
  | 'loadSafetensorsFileRaw'
  | 'readSafetensorsFileHeader'
  | 'saveSafetensorsFile'
  | 'loadAdapterFiles'
  | 'saveAdapterFiles'
  | 'listAdapters'
  | 'saveCheckpoint'
  | 'loadCheckpoint'
  | 'listCheckpoints'
  | 'resolveCheckpoint'
  | 'pruneCheckpoints';

/** `api` names the caller: only the browser build uses it, for its error. */
export async function fileSystem(api: FileApi): Promise<FileSystem> {
  void api;
  const [fs, path, io] = await Promise.all([import('node:fs/promises'), import('node:path'), import('./node')]);
  return { fs, path, io };
}
