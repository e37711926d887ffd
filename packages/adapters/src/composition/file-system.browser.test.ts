/** The browser build's composition files: core's typed error, naming the in-memory way. */
import { FileSystemUnavailableError } from '@peftjs/core';
import { fileSystem, IN_MEMORY_ALTERNATIVES } from './file-system.browser';

it.each(['saveComposition', 'loadComposition'] as const)('%s rejects with FileSystemUnavailableError naming the alternative', async (api) => {
  const error = (await fileSystem(api).catch((e: unknown) => e)) as FileSystemUnavailableError;
  expect(error).toBeInstanceOf(FileSystemUnavailableError);
  expect(error.code).toBe('FILE_SYSTEM_UNAVAILABLE');
  expect(error.api).toBe(api);
  expect(error.message).toBe(`${api}: expected Node's file system, found the browser build of @peftjs/core (no file system); ${IN_MEMORY_ALTERNATIVES[api]}`);
});
