/**
 * Test support for the torch.save reader: the committed fixtures (made by
 * test/fixtures/torch-save/make_fixtures.py with PyTorch), their entries, and a
 * zip writer that lays entries out as PyTorch's miniz writer does, so a test can
 * edit a real pickle and put it back with valid checksums. Not exported.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { crc32 } from './crc32';
import { readZipArchive, readZipEntry } from './zip';

export const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/torch-save');

export interface ExpectedTensor {
  readonly dtype: string;
  readonly shape: number[];
  /** The tensor's elements, row-major, as little-endian bytes in hex. */
  readonly hex: string;
}

export const EXPECTED = JSON.parse(readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as {
  torch: string;
  files: Record<string, Record<string, ExpectedTensor>>;
};

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(FIXTURES, name)));
}

export type ZipEntries = Array<[name: string, data: Uint8Array]>;

/** The entries of a zip, in order (read with the reader under test, which the fixtures pass). */
export function zipEntries(file: Uint8Array): ZipEntries {
  const archive = readZipArchive(file, { maxEntries: 1000 });
  return [...archive.entries.values()].map((entry) => [entry.name, readZipEntry(file, entry).slice()]);
}

const u16 = (value: number) => [value & 0xff, (value >>> 8) & 0xff];
const u32 = (value: number) => [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
const u64 = (value: number) => [...u32(value), ...u32(Math.floor(value / 2 ** 32))];

export interface BuildZipOptions {
  /** Compression method to declare (the data is written as given). */
  readonly method?: number;
}

/**
 * A zip as PyTorch writes it: data descriptors (zero sizes in local headers),
 * local extra fields padding each entry's data to 64 bytes, and zip64 end
 * records before the classic one.
 */
export function buildTorchZip(entries: ZipEntries, options: BuildZipOptions = {}): Uint8Array {
  const out: number[] = [];
  const central: number[] = [];
  for (const [name, data] of entries) {
    const nameBytes = [...new TextEncoder().encode(name)];
    const offset = out.length;
    const headerEnd = offset + 30 + nameBytes.length + 4;
    const padding = (64 - (headerEnd % 64)) % 64;
    const extra = [0x46, 0x42, ...u16(padding), ...new Array<number>(padding).fill(0x5a)];
    const crc = crc32(data);
    const method = options.method ?? 0;
    out.push(...u32(0x04034b50), ...u16(0), ...u16(0x0808), ...u16(method), ...u32(0), ...u32(0), ...u32(0), ...u32(0));
    out.push(...u16(nameBytes.length), ...u16(extra.length), ...nameBytes, ...extra);
    for (const byte of data) out.push(byte);
    out.push(...u32(0x08074b50), ...u32(crc), ...u32(data.length), ...u32(data.length));
    central.push(...u32(0x02014b50), ...u16(0), ...u16(0), ...u16(0x0808), ...u16(method), ...u32(0), ...u32(crc), ...u32(data.length), ...u32(data.length));
    central.push(...u16(nameBytes.length), ...u16(0), ...u16(0), ...u16(0), ...u16(0), ...u32(0), ...u32(offset), ...nameBytes);
  }
  const directoryOffset = out.length;
  out.push(...central);
  const zip64End = out.length;
  out.push(...u32(0x06064b50), ...u64(44), ...u16(0x031e), ...u16(0x2d), ...u32(0), ...u32(0), ...u64(entries.length), ...u64(entries.length));
  out.push(...u64(central.length), ...u64(directoryOffset));
  out.push(...u32(0x07064b50), ...u32(0), ...u64(zip64End), ...u32(1));
  out.push(...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(entries.length), ...u16(entries.length), ...u32(central.length), ...u32(directoryOffset), ...u16(0));
  return Uint8Array.from(out);
}

/** The fixture with its pickle replaced by `edit(pickle)` (and every checksum valid). */
export function withPickle(file: Uint8Array, edit: (pickle: Uint8Array) => Uint8Array): Uint8Array {
  return buildTorchZip(zipEntries(file).map(([name, data]) => [name, name.endsWith('/data.pkl') ? edit(data) : data]));
}

/** `text` replaced by `replacement` in the pickle (latin1, so opcodes and names can both be written). */
export function replaceInPickle(file: Uint8Array, text: string, replacement: string): Uint8Array {
  return withPickle(file, (pickle) => {
    const source = Buffer.from(pickle).toString('latin1');
    if (!source.includes(text)) throw new Error(`test: ${JSON.stringify(text)} is not in the pickle`);
    return new Uint8Array(Buffer.from(source.replace(text, replacement), 'latin1'));
  });
}

/** Bytes of a hand-written pickle: numbers are opcodes or raw bytes, strings are latin1. */
export function pickleBytes(...parts: Array<number | string | number[]>): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'number') out.push(part);
    else if (typeof part === 'string') out.push(...Buffer.from(part, 'latin1'));
    else out.push(...part);
  }
  return Uint8Array.from(out);
}

/** BINUNICODE of `text`. */
export function unicode(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [0x58, ...u32(bytes.length), ...bytes];
}

/** A one-file archive `archive/data.pkl` holding `pickle` (plus storages). */
export function archiveOf(pickle: Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  return buildTorchZip([['archive/data.pkl', pickle], ...Object.entries(storages).map(([key, data]): [string, Uint8Array] => [`archive/data/${key}`, data]), ['archive/version', new Uint8Array([0x33, 0x0a])]]);
}

export function hexOf(bytes: ArrayBufferView): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Seeded PRNG (mulberry32), as the safetensors fuzz test uses. */
export { seededRandom } from '../safetensors/test-helpers';
