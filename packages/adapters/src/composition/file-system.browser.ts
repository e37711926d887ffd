/**
 * The browser build's stand-in for `file-system.ts` (swapped in by tsup.config.ts):
 * no file system, so saving and loading a composition fails with core's typed
 * error, naming the in-memory way to do the same.
 */
import { FileSystemUnavailableError } from '@peftjs/core';
import type { FileApi, FileSystem } from './file-system';

export const IN_MEMORY_ALTERNATIVES: Readonly<Record<FileApi, string>> = {
  saveComposition:
    'keep the composition as JSON instead (JSON.stringify of the Composition passed to setActive), and each adapter as bytes with encodeSafetensors(adapterFileState(model, name).tensors)',
  loadComposition:
    'fetch the composition JSON and the adapters instead: parseComposition(JSON.parse(text)), assignAdapterFileState for each adapter, then setActive(model, composition)',
};

export async function fileSystem(api: FileApi): Promise<FileSystem> {
  throw new FileSystemUnavailableError(api, IN_MEMORY_ALTERNATIVES[api]);
}
