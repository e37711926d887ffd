/**
 * The browser build's file functions: each rejects with a typed error naming
 * itself and the in-memory API to use. (tools/bundle-check checks that the
 * browser build really contains this module instead of file-system.ts.)
 */
import { FileSystemUnavailableError, PeftError } from '../index';
import { fileSystem, IN_MEMORY_ALTERNATIVES } from './file-system.browser';
import type { FileApi } from './file-system';

const apis = Object.keys(IN_MEMORY_ALTERNATIVES) as FileApi[];

it('names an in-memory alternative for every file function', () => {
  expect(apis.sort()).toEqual(
    [
      'listAdapters',
      'listCheckpoints',
      'loadAdapterFiles',
      'loadCheckpoint',
      'loadSafetensorsFile',
      'loadSafetensorsFileRaw',
      'pruneCheckpoints',
      'readFileIfPresent',
      'readSafetensorsFileHeader',
      'resolveCheckpoint',
      'saveAdapterFiles',
      'saveCheckpoint',
      'saveSafetensorsFile',
    ].sort(),
  );
});

it.each(apis)('%s rejects with FileSystemUnavailableError naming the alternative', async (api) => {
  const error = await fileSystem(api).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FileSystemUnavailableError);
  expect(error).toBeInstanceOf(PeftError);
  const typed = error as FileSystemUnavailableError;
  expect(typed.code).toBe('FILE_SYSTEM_UNAVAILABLE');
  expect(typed.api).toBe(api);
  expect(typed.message).toBe(`${api}: expected Node's file system, found the browser build of @peftjs/core (no file system); ${IN_MEMORY_ALTERNATIVES[api]}`);
});

it('points the safetensors readers at the bytes API of the same name', () => {
  expect(IN_MEMORY_ALTERNATIVES.loadSafetensorsFile).toContain('decodeSafetensors(');
  expect(IN_MEMORY_ALTERNATIVES.loadSafetensorsFileRaw).toContain('decodeSafetensorsRaw(');
  expect(IN_MEMORY_ALTERNATIVES.readSafetensorsFileHeader).toContain('readSafetensorsHeader(');
  expect(IN_MEMORY_ALTERNATIVES.saveSafetensorsFile).toContain('encodeSafetensors(');
  expect(IN_MEMORY_ALTERNATIVES.saveAdapterFiles).toContain('toAdapterBytes(');
  expect(IN_MEMORY_ALTERNATIVES.loadAdapterFiles).toContain('fromAdapterBytes');
});
