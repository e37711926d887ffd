import { InvalidArgumentError } from '../../errors';
import { SafetensorsFormatError } from '../errors';
import { findDuplicateKey } from '../text/json-scan';
import { SAFETENSORS_DTYPES, isSafetensorsDtype, type SafetensorsDtype } from './dtypes';

/** Python's safetensors refuses headers over 100 MB; so do we, before reading them. */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * Longest shape accepted. The format sets no limit, but no real tensor comes near
 * (NumPy allows 64 dimensions) and a million-entry shape would only slow tfjs down.
 */
export const MAX_RANK = 64;

export const METADATA_KEY = '__metadata__';

export interface SafetensorsTensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** `[begin, end)` in bytes, relative to the first byte after the header. */
  readonly dataOffsets: readonly [number, number];
}

export interface SafetensorsHeader {
  /** N, the JSON header's byte length, padding included. */
  readonly headerByteLength: number;
  /** Where tensor data starts in the file: 8 + N. */
  readonly dataStart: number;
  /** Length of the whole file the offsets were checked against. */
  readonly fileByteLength: number;
  /** The `__metadata__` strings (an object without prototype: any key is safe). */
  readonly metadata: Record<string, string>;
  /** Every tensor, in file order (by offset). */
  readonly tensors: readonly SafetensorsTensorInfo[];
}

export interface ReadSafetensorsHeaderOptions {
  /**
   * Length of the whole file when `bytes` holds only its beginning (a ranged HTTP
   * read, the first 8 + N bytes of a file). Defaults to the length of `bytes`.
   */
  readonly fileByteLength?: number;
}

export type BinaryInput = ArrayBuffer | ArrayBufferView;

export function asUint8Array(bytes: BinaryInput): Uint8Array {
  // A Node Buffer is a Uint8Array whose slice() shares memory: rewrap it as a plain one.
  if (bytes instanceof Uint8Array && bytes.constructor === Uint8Array) return bytes;
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  throw new InvalidArgumentError(`Expected an ArrayBuffer or a typed array of file bytes, found ${typeof bytes}`);
}

/** Names go into messages; a hostile 50 MB name must not. */
export function quoteName(name: string): string {
  return JSON.stringify(name.length > 120 ? `${name.slice(0, 120)}...` : name);
}

/** The 8-byte little-endian header length, or an error if it cannot be one. */
export function readHeaderLength(bytes: Uint8Array, fileByteLength: number): number {
  if (fileByteLength < 8 || bytes.length < 8) {
    throw new SafetensorsFormatError('FILE_TOO_SHORT', `expected at least 8 bytes for the header length, found ${Math.min(fileByteLength, bytes.length)}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  if (high !== 0 || low > MAX_HEADER_BYTES) {
    const declared = (BigInt(high) << 32n) | BigInt(low);
    throw new SafetensorsFormatError('HEADER_TOO_LARGE', `header length ${declared} is over the ${MAX_HEADER_BYTES}-byte limit`);
  }
  if (8 + low > fileByteLength) {
    throw new SafetensorsFormatError('HEADER_OUT_OF_RANGE', `header length ${low} runs past the end of the ${fileByteLength}-byte file`);
  }
  return low;
}

/**
 * Parse and fully validate a safetensors header: every check the format allows is
 * done here, before any tensor memory is allocated.
 */
export function readSafetensorsHeader(bytes: BinaryInput, options: ReadSafetensorsHeaderOptions = {}): SafetensorsHeader {
  const view = asUint8Array(bytes);
  const fileByteLength = options.fileByteLength ?? view.length;
  if (!Number.isSafeInteger(fileByteLength) || fileByteLength < view.length) {
    throw new InvalidArgumentError(`fileByteLength must be an integer >= the ${view.length} bytes given, found ${fileByteLength}`);
  }
  const headerByteLength = readHeaderLength(view, fileByteLength);
  const dataStart = 8 + headerByteLength;
  if (view.length < dataStart) {
    throw new InvalidArgumentError(`The header needs the first ${dataStart} bytes of the file, only ${view.length} were given`);
  }
  const root = parseHeaderJson(view.subarray(8, dataStart));
  const metadata: Record<string, string> = Object.create(null);
  const tensors: SafetensorsTensorInfo[] = [];
  for (const [name, entry] of Object.entries(root)) {
    if (name === METADATA_KEY) Object.assign(metadata, validateMetadata(entry));
    else tensors.push(validateEntry(name, entry));
  }
  checkLayout(tensors, fileByteLength - dataStart);
  return { headerByteLength, dataStart, fileByteLength, metadata, tensors };
}

/**
 * The header of a file read piecewise (HTTP range requests, a file handle):
 * from its first 8 bytes and its size, asks `readPrefix` for the first
 * 8 + N bytes once N is known to be within the limits, then validates as
 * readSafetensorsHeader does. A hostile length costs no allocation.
 */
export async function readHeaderFromPrefix(
  lengthBytes: Uint8Array,
  fileByteLength: number,
  readPrefix: (headerByteLength: number) => Promise<Uint8Array>,
): Promise<SafetensorsHeader> {
  const headerByteLength = readHeaderLength(lengthBytes, fileByteLength);
  const prefix = await readPrefix(headerByteLength);
  if (prefix.length < 8 + headerByteLength) {
    throw new SafetensorsFormatError('HEADER_OUT_OF_RANGE', `expected the first ${8 + headerByteLength} bytes of the file, found ${prefix.length}`);
  }
  return readSafetensorsHeader(prefix.subarray(0, 8 + headerByteLength), { fileByteLength });
}

function parseHeaderJson(headerBytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    // ignoreBOM keeps a leading BOM in the text, so JSON.parse refuses it as Rust does.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsFormatError('HEADER_NOT_UTF8', 'the header is not valid UTF-8');
  }
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new SafetensorsFormatError('HEADER_NOT_JSON', `the header is not JSON (${(error as Error).message.slice(0, 200)})`);
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw new SafetensorsFormatError('HEADER_NOT_OBJECT', `the header must be a JSON object, found ${describeJson(root)}`);
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate) {
    const where = duplicate.path.length === 0 ? 'the header' : `entry ${quoteName(String(duplicate.path[0]))}`;
    throw new SafetensorsFormatError('DUPLICATE_KEY', `key ${quoteName(duplicate.key)} appears twice in ${where}`);
  }
  return root as Record<string, unknown>;
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validateMetadata(entry: unknown): Record<string, string> {
  if (!isJsonObject(entry)) {
    throw new SafetensorsFormatError('INVALID_METADATA', `${METADATA_KEY} must be an object of strings, found ${describeJson(entry)}`);
  }
  for (const [key, value] of Object.entries(entry)) {
    if (typeof value !== 'string') {
      throw new SafetensorsFormatError('INVALID_METADATA', `${METADATA_KEY}[${quoteName(key)}] must be a string, found ${describeJson(value)}`);
    }
  }
  return entry as Record<string, string>;
}

function validateEntry(name: string, entry: unknown): SafetensorsTensorInfo {
  const fail = (reason: ConstructorParameters<typeof SafetensorsFormatError>[0], message: string) =>
    new SafetensorsFormatError(reason, `tensor ${quoteName(name)}: ${message}`, name);
  if (!isJsonObject(entry)) throw fail('INVALID_ENTRY', `expected an object, found ${describeJson(entry)}`);
  for (const field of ['dtype', 'shape', 'data_offsets']) {
    if (!(field in entry)) throw fail('INVALID_ENTRY', `missing field "${field}"`);
  }
  const { dtype, shape, data_offsets: offsets } = entry;
  if (!isSafetensorsDtype(dtype)) {
    const known = Object.keys(SAFETENSORS_DTYPES).join(', ');
    const found = typeof dtype === 'string' ? quoteName(dtype) : describeJson(dtype);
    throw fail('UNKNOWN_DTYPE', `dtype must be one of ${known}; found ${found}`);
  }
  const elementCount = validateShape(shape, fail);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isByteOffset) || offsets[0] > offsets[1]) {
    throw fail('INVALID_OFFSETS', `data_offsets must be [begin, end] with integers 0 <= begin <= end, found ${JSON.stringify(offsets).slice(0, 120)}`);
  }
  const [begin, end] = offsets as [number, number];
  const expectedBytes = elementCount * SAFETENSORS_DTYPES[dtype].byteSize;
  if (expectedBytes !== end - begin) {
    throw fail('BYTE_COUNT_MISMATCH', `shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${expectedBytes} bytes, data_offsets give ${end - begin}`);
  }
  return { name, dtype, shape: [...(shape as number[])], dataOffsets: [begin, end] };
}

function isByteOffset(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The number of elements, or an error; products past 2^53 are refused, not rounded. */
function validateShape(
  shape: unknown,
  fail: (reason: 'INVALID_SHAPE', message: string) => SafetensorsFormatError,
): number {
  if (!Array.isArray(shape)) throw fail('INVALID_SHAPE', `shape must be a list of integers, found ${describeJson(shape)}`);
  if (shape.length > MAX_RANK) throw fail('INVALID_SHAPE', `shape has ${shape.length} dimensions, more than the ${MAX_RANK} allowed`);
  let count = 1;
  for (const dim of shape) {
    if (!isByteOffset(dim)) {
      throw fail('INVALID_SHAPE', `dimensions must be integers >= 0, found ${JSON.stringify(dim)?.slice(0, 40)}`);
    }
    count *= dim;
    if (!Number.isSafeInteger(count)) throw fail('INVALID_SHAPE', `shape [${shape.slice(0, 8).join(', ')}] has too many elements`);
  }
  return count;
}

/** Tensors must tile the data exactly: no overlap, no gap, nothing after the last. */
function checkLayout(tensors: SafetensorsTensorInfo[], dataByteLength: number): void {
  for (const tensor of tensors) {
    if (tensor.dataOffsets[1] > dataByteLength) {
      throw new SafetensorsFormatError(
        'OFFSETS_OUT_OF_RANGE',
        `tensor ${quoteName(tensor.name)} ends at byte ${tensor.dataOffsets[1]}, past the ${dataByteLength} data bytes`,
        tensor.name,
      );
    }
  }
  tensors.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let cursor = 0;
  for (const tensor of tensors) {
    const [begin, end] = tensor.dataOffsets;
    if (begin < cursor) {
      throw new SafetensorsFormatError('OFFSETS_OVERLAP', `tensor ${quoteName(tensor.name)} starts at byte ${begin}, inside bytes used up to ${cursor}`, tensor.name);
    }
    if (begin > cursor) {
      throw new SafetensorsFormatError('OFFSETS_GAP', `bytes ${cursor}..${begin} before tensor ${quoteName(tensor.name)} belong to no tensor`, tensor.name);
    }
    cursor = end;
  }
  if (cursor !== dataByteLength) {
    throw new SafetensorsFormatError('DATA_NOT_COVERED', `tensors cover ${cursor} of the ${dataByteLength} data bytes; the rest belongs to no tensor`);
  }
}
