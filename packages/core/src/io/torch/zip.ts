/**
 * The zip layer of torch.save files, read from bytes in memory. PyTorch writes
 * them with miniz: STORED entries (no compression), sizes in a data descriptor
 * after each entry (so the central directory is the source of truth), padding
 * in the local headers' extra field, and zip64 end records even for small files.
 *
 * Every offset and size is checked against the file before it is used, and the
 * entry count against the central directory's size before anything is
 * allocated per entry. Entry bytes are views into the input, never copies.
 */
import { quoteName } from '../safetensors/header';
import { crc32 } from './crc32';
import { TorchFormatError } from './errors';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const END_RECORD_BYTES = 22;
const CENTRAL_HEADER_BYTES = 46;
const LOCAL_HEADER_BYTES = 30;
const MAX_COMMENT_BYTES = 0xffff;
/** A 16- or 32-bit field at its maximum means "see the zip64 record": sizes over 4 GiB, or over 65534 entries. */
const ZIP64_MARK_16 = 0xffff;
const ZIP64_MARK_32 = 0xffffffff;
const FLAG_ENCRYPTED = 0x1;
const METHOD_STORED = 0;

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly crc32: number;
  /** Byte range of the entry's data in the file. */
  readonly dataStart: number;
  readonly dataEnd: number;
}

export interface ZipArchive {
  /** Entries by name, in central-directory order. */
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** The first entry's name: PyTorch's readers take the archive's folder from it. */
  readonly firstName: string;
}

export interface ReadZipOptions {
  readonly maxEntries: number;
}

/** Parses the central directory and checks every entry's local header; reads no entry data. */
export function readZipArchive(bytes: Uint8Array, options: ReadZipOptions): ZipArchive {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndRecord(bytes, view);
  const disk = view.getUint16(end + 4, true);
  const directoryDisk = view.getUint16(end + 6, true);
  const entriesOnDisk = view.getUint16(end + 8, true);
  const entryCount = view.getUint16(end + 10, true);
  const directorySize = view.getUint32(end + 12, true);
  const directoryOffset = view.getUint32(end + 16, true);
  if (entryCount === ZIP64_MARK_16 || directorySize === ZIP64_MARK_32 || directoryOffset === ZIP64_MARK_32) {
    throw new TorchFormatError('ZIP_UNSUPPORTED', 'the archive needs zip64 (over 65534 entries or 4 GiB), which peftjs does not read');
  }
  if (disk !== 0 || directoryDisk !== 0 || entriesOnDisk !== entryCount) {
    throw new TorchFormatError('ZIP_UNSUPPORTED', `multi-disk archives are not read (disk ${disk}, central directory on disk ${directoryDisk})`);
  }
  if (entryCount > options.maxEntries) {
    throw new TorchFormatError('TOO_LARGE', `the archive has ${entryCount} entries, over the limit of ${options.maxEntries}`);
  }
  if (directoryOffset + directorySize > end) {
    throw new TorchFormatError('ZIP_STRUCTURE', `the central directory (bytes ${directoryOffset}..${directoryOffset + directorySize}) runs past its end record at byte ${end}`);
  }
  if (entryCount * CENTRAL_HEADER_BYTES > directorySize) {
    throw new TorchFormatError('ZIP_STRUCTURE', `${entryCount} entries cannot fit in a ${directorySize}-byte central directory`);
  }
  const entries = new Map<string, ZipEntry>();
  let cursor = directoryOffset;
  const directoryEnd = directoryOffset + directorySize;
  for (let i = 0; i < entryCount; i++) {
    const entry = readCentralEntry(bytes, view, cursor, directoryEnd, directoryOffset);
    if (entries.has(entry.name)) throw new TorchFormatError('ZIP_STRUCTURE', `entry ${quoteName(entry.name)} appears twice`, entry.name);
    entries.set(entry.name, entry);
    cursor = entry.nextHeader;
  }
  const firstName = entries.keys().next().value;
  if (firstName === undefined) throw new TorchFormatError('MISSING_RECORD', 'the archive is empty');
  return { entries, firstName };
}

/** The entry's bytes (a view into `bytes`), after checking it is stored uncompressed and its CRC-32. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  if (entry.flags & FLAG_ENCRYPTED) throw new TorchFormatError('ZIP_UNSUPPORTED', `entry ${quoteName(entry.name)} is encrypted`, entry.name);
  if (entry.method !== METHOD_STORED) {
    throw new TorchFormatError('ZIP_UNSUPPORTED', `entry ${quoteName(entry.name)} is compressed (method ${entry.method}); torch.save stores entries uncompressed`, entry.name);
  }
  const data = bytes.subarray(entry.dataStart, entry.dataEnd);
  const actual = crc32(data);
  if (actual !== entry.crc32) {
    throw new TorchFormatError('CHECKSUM_MISMATCH', `entry ${quoteName(entry.name)} has CRC-32 ${hex(actual)}, its header says ${hex(entry.crc32)}`, entry.name);
  }
  return data;
}

const hex = (value: number) => `0x${value.toString(16).padStart(8, '0')}`;

/** The end-of-central-directory record: the last one whose comment ends inside the file. */
function findEndRecord(bytes: Uint8Array, view: DataView): number {
  if (bytes.length < END_RECORD_BYTES) {
    throw notAZip(bytes, `${bytes.length} bytes are fewer than a zip end record's ${END_RECORD_BYTES}`);
  }
  const lowest = Math.max(0, bytes.length - END_RECORD_BYTES - MAX_COMMENT_BYTES);
  for (let at = bytes.length - END_RECORD_BYTES; at >= lowest; at--) {
    if (view.getUint32(at, true) === END_OF_CENTRAL_DIRECTORY && at + END_RECORD_BYTES + view.getUint16(at + 20, true) <= bytes.length) return at;
  }
  throw notAZip(bytes, 'no zip end-of-central-directory record in its last 64 KiB');
}

/** Pickle protocol 2 starts with PROTO 2; torch.save before 1.6 wrote a pickled magic number first. */
function notAZip(bytes: Uint8Array, message: string): TorchFormatError {
  if (bytes[0] === 0x80 && bytes[1] === 0x02) {
    return new TorchFormatError('LEGACY_FORMAT', 'a raw pickle stream: torch.save before PyTorch 1.6 (or _use_new_zipfile_serialization=False); re-save it with a current PyTorch or as safetensors');
  }
  return new TorchFormatError('NOT_A_ZIP', message);
}

interface CentralEntry extends ZipEntry {
  readonly nextHeader: number;
}

function readCentralEntry(bytes: Uint8Array, view: DataView, at: number, directoryEnd: number, dataLimit: number): CentralEntry {
  if (at + CENTRAL_HEADER_BYTES > directoryEnd) throw new TorchFormatError('ZIP_STRUCTURE', `a central directory header at byte ${at} runs past the directory`);
  if (view.getUint32(at, true) !== CENTRAL_HEADER) throw new TorchFormatError('ZIP_STRUCTURE', `no central directory header signature at byte ${at}`);
  const flags = view.getUint16(at + 8, true);
  const method = view.getUint16(at + 10, true);
  const crc = view.getUint32(at + 16, true);
  const compressedSize = view.getUint32(at + 20, true);
  const size = view.getUint32(at + 24, true);
  const nameLength = view.getUint16(at + 28, true);
  const extraLength = view.getUint16(at + 30, true);
  const commentLength = view.getUint16(at + 32, true);
  const localOffset = view.getUint32(at + 42, true);
  const nextHeader = at + CENTRAL_HEADER_BYTES + nameLength + extraLength + commentLength;
  if (nextHeader > directoryEnd) throw new TorchFormatError('ZIP_STRUCTURE', `the central directory header at byte ${at} runs past the directory`);
  const rawName = bytes.subarray(at + CENTRAL_HEADER_BYTES, at + CENTRAL_HEADER_BYTES + nameLength);
  const name = decodeName(rawName, at);
  if (compressedSize === ZIP64_MARK_32 || size === ZIP64_MARK_32 || localOffset === ZIP64_MARK_32) {
    throw new TorchFormatError('ZIP_UNSUPPORTED', `entry ${quoteName(name)} needs zip64 (over 4 GiB), which peftjs does not read`, name);
  }
  if (method === METHOD_STORED && compressedSize !== size) {
    throw new TorchFormatError('ZIP_STRUCTURE', `stored entry ${quoteName(name)} has ${compressedSize} bytes in the file but ${size} uncompressed`, name);
  }
  const dataStart = localDataStart(bytes, view, localOffset, rawName, name, dataLimit);
  if (dataStart + compressedSize > dataLimit) {
    throw new TorchFormatError('ZIP_STRUCTURE', `entry ${quoteName(name)} (bytes ${dataStart}..${dataStart + compressedSize}) runs into the central directory at byte ${dataLimit}`, name);
  }
  return { name, method, flags, crc32: crc, dataStart, dataEnd: dataStart + compressedSize, nextHeader };
}

/** Where an entry's data starts: after its local header, whose name must match the central directory's. */
function localDataStart(bytes: Uint8Array, view: DataView, at: number, rawName: Uint8Array, name: string, dataLimit: number): number {
  if (at + LOCAL_HEADER_BYTES > dataLimit) {
    throw new TorchFormatError('ZIP_STRUCTURE', `the local header of ${quoteName(name)} (byte ${at}) lies outside the entries' area`, name);
  }
  if (view.getUint32(at, true) !== LOCAL_HEADER) throw new TorchFormatError('ZIP_STRUCTURE', `no local header signature for ${quoteName(name)} at byte ${at}`, name);
  const nameLength = view.getUint16(at + 26, true);
  const extraLength = view.getUint16(at + 28, true);
  const nameEnd = at + LOCAL_HEADER_BYTES + nameLength;
  if (nameEnd + extraLength > dataLimit) throw new TorchFormatError('ZIP_STRUCTURE', `the local header of ${quoteName(name)} runs into the central directory`, name);
  const localName = bytes.subarray(at + LOCAL_HEADER_BYTES, nameEnd);
  if (localName.length !== rawName.length || localName.some((byte, i) => byte !== rawName[i])) {
    throw new TorchFormatError('ZIP_STRUCTURE', `the local header at byte ${at} names another entry than ${quoteName(name)}`, name);
  }
  return nameEnd + extraLength;
}

function decodeName(raw: Uint8Array, at: number): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    throw new TorchFormatError('ZIP_STRUCTURE', `the entry name at byte ${at} is not UTF-8`);
  }
}
