/**
 * The file system behind saveComposition and loadComposition. This is the Node
 * side; the browser build of @peftjs/adapters (tsup.config.ts, the package's
 * non-`node` export condition) swaps this module for `file-system.browser.ts`, so
 * browser bundles reach no Node built-in. Loaded on first call.
 */
import type * as NodeFs from 'node:fs/promises';
import type * as NodePath from 'node:path';

export interface FileSystem {
  readonly fs: typeof NodeFs;
  readonly path: typeof NodePath;
}

export type FileApi = 'saveComposition' | 'loadComposition';

/** `api` names the caller: only the browser build uses it, for its error. */
export async function fileSystem(api: FileApi): Promise<FileSystem> {
  void api;
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  return { fs, path };
}
