import { promises as fsp } from 'node:fs';
import { NotFoundError } from '../../errors';
import { decodeSafetensors, type DecodedSafetensors } from '../safetensors/decode';
import { decodeSafetensorsRaw, type DecodeSafetensorsOptions, type DecodedSafetensorsRaw } from '../safetensors/decode-raw';
import { encodeSafetensorsAsync, type EncodableTensor, type EncodeSafetensorsOptions } from '../safetensors/encode';
import { readHeaderLength, readSafetensorsHeader, type SafetensorsHeader } from '../safetensors/header';
import { writeFilesAtomically } from './atomic-write';

/** Read a file, turning "no such file" into the typed error peftjs uses everywhere. */
export async function readFileOrNotFound(file: string, what: string): Promise<Uint8Array> {
  try {
    return await fsp.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`No ${what} at ${file}`);
    throw error;
  }
}

export async function loadSafetensorsFile(file: string, options: DecodeSafetensorsOptions = {}): Promise<DecodedSafetensors> {
  return decodeSafetensors(await readFileOrNotFound(file, 'safetensors file'), options);
}

export async function loadSafetensorsFileRaw(file: string, options: DecodeSafetensorsOptions = {}): Promise<DecodedSafetensorsRaw> {
  return decodeSafetensorsRaw(await readFileOrNotFound(file, 'safetensors file'), options);
}

/**
 * The validated header of a file, reading only its first 8 + N bytes: inspect a
 * multi-gigabyte checkpoint without loading it.
 */
export async function readSafetensorsFileHeader(file: string): Promise<SafetensorsHeader> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`No safetensors file at ${file}`);
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const lengthBytes = new Uint8Array(8);
    await handle.read(lengthBytes, 0, 8, 0);
    // Checked against the file size before allocating: a hostile length costs nothing.
    const headerByteLength = readHeaderLength(lengthBytes, size);
    const prefix = new Uint8Array(8 + headerByteLength);
    prefix.set(lengthBytes);
    await handle.read(prefix, 8, headerByteLength, 8);
    return readSafetensorsHeader(prefix, { fileByteLength: size });
  } finally {
    await handle.close();
  }
}

/**
 * Encode and write a safetensors file through a temporary name and a rename: a
 * failure (bad tensor, full disk) leaves any previous file untouched and no partial one.
 */
export async function saveSafetensorsFile(
  file: string,
  tensors: Readonly<Record<string, EncodableTensor>>,
  options: EncodeSafetensorsOptions = {},
): Promise<void> {
  const data = await encodeSafetensorsAsync(tensors, options);
  await writeFilesAtomically([{ path: file, data }]);
}
