/**
 * Reading `torch.save` files of state dicts (`adapter_model.bin`,
 * `pytorch_model.bin`) from bytes in memory, without running any code: the zip
 * is parsed by hand, the pickle by a restricted unpickler that knows only what
 * a dict of plain tensors needs, and each tensor is copied out of its storage
 * record. Browser-safe. The result has the shape of `decodeSafetensorsRaw`'s.
 *
 * Non-contiguous tensors (a transpose, an expanded view, a slice with a storage
 * offset) are materialised: their elements are gathered, row-major, into a
 * fresh array, as `tensor.contiguous()` would. Storages are read as
 * little-endian; an archive whose `byteorder` record says otherwise is refused.
 */
import { InvalidArgumentError } from '../../errors';
import { HOST_IS_LITTLE_ENDIAN, SAFETENSORS_DTYPES, swapBytes, type SafetensorsDtype } from '../safetensors/dtypes';
import type { RawTensor } from '../safetensors/decode-raw';
import { asUint8Array, quoteName, type BinaryInput } from '../safetensors/header';
import { TorchFormatError } from './errors';
import { PickleDict, describe, unpickle, type PickleValue } from './pickle';
import { TORCH_STATE_DICT_HOOKS, TensorRef, type StorageRef } from './torch-hooks';
import { readZipArchive, readZipEntry, type ZipArchive } from './zip';

export interface TorchStateDictLimits {
  /** Zip entries (default 65534, the most a zip without zip64 can hold). */
  readonly maxEntries: number;
  /** Length of `data.pkl` (default 16 MiB: a state dict of 60,000 tensors needs about that). */
  readonly maxPickleBytes: number;
  /** Tensors in the dict (default 100,000). */
  readonly maxTensors: number;
  /**
   * Bytes of all decoded tensors together (default: twice the file's size). Views
   * can overlap (tied weights, an expanded tensor), so the output can outgrow the
   * storages; this keeps a small file from asking for a huge allocation.
   */
  readonly maxOutputBytes: number;
}

export interface TorchTensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
}

export interface DecodeTorchStateDictOptions {
  /** Decode only the tensors this returns true for (the whole pickle is still read and checked). */
  readonly filter?: (tensor: TorchTensorInfo) => boolean;
  readonly limits?: Partial<TorchStateDictLimits>;
}

export interface DecodedTorchStateDict {
  /** By name, in the dict's order; an object without prototype. Every array is a fresh copy. */
  readonly tensors: Record<string, RawTensor>;
  /** The archive's folder: torch.save names it after the file (`adapter_model`), or `archive` for a buffer. */
  readonly archiveName: string;
}

const DEFAULT_LIMITS: Omit<TorchStateDictLimits, 'maxOutputBytes'> = {
  maxEntries: 65_534,
  maxPickleBytes: 16 * 1024 * 1024,
  maxTensors: 100_000,
};

/** Decodes a torch.save state dict into typed arrays; refuses anything else with a TorchFormatError. */
export function decodeTorchStateDict(bytes: BinaryInput, options: DecodeTorchStateDictOptions = {}): DecodedTorchStateDict {
  const file = asUint8Array(bytes);
  const limits = resolveLimits(options.limits ?? {}, file.length);
  const archive = readZipArchive(file, limits);
  const archiveName = archiveFolder(archive.firstName);
  const records = new Records(file, archive, archiveName);
  checkByteOrder(records);
  const pickle = records.get('data.pkl', 'the pickle');
  if (pickle.length > limits.maxPickleBytes) {
    throw new TorchFormatError('TOO_LARGE', `data.pkl has ${pickle.length} bytes, over the limit of ${limits.maxPickleBytes}`);
  }
  const views = stateDictEntries(unpickle(pickle, TORCH_STATE_DICT_HOOKS), limits);
  const tensors: Record<string, RawTensor> = Object.create(null);
  let budget = limits.maxOutputBytes;
  for (const [name, view] of views) {
    const dtype = view.storage.dtype;
    if (options.filter && !options.filter({ name, dtype, shape: [...view.shape] })) continue;
    const byteLength = view.numel * SAFETENSORS_DTYPES[dtype].byteSize;
    if (byteLength > budget) {
      throw new TorchFormatError('TOO_LARGE', `tensor ${quoteName(name)} would take the decoded tensors past the ${limits.maxOutputBytes}-byte limit`, name);
    }
    budget -= byteLength;
    tensors[name] = materialise(view, records.storage(view.storage));
  }
  return { tensors, archiveName };
}

function resolveLimits(given: Partial<TorchStateDictLimits>, fileLength: number): TorchStateDictLimits {
  const limits: Record<string, number> = { ...DEFAULT_LIMITS, maxOutputBytes: 2 * fileLength };
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (!Object.prototype.hasOwnProperty.call(limits, name)) throw new InvalidArgumentError(`limits.${name}: expected one of ${Object.keys(limits).join(', ')}`);
    if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(`limits.${name}: expected an integer >= 0, found ${String(value)}`);
    limits[name] = value;
  }
  return limits as unknown as TorchStateDictLimits;
}

/** PyTorch's reader takes the folder from the first entry's name, up to its first slash. */
function archiveFolder(firstName: string): string {
  const slash = firstName.indexOf('/');
  if (slash <= 0) throw new TorchFormatError('MISSING_RECORD', `the first entry, ${quoteName(firstName)}, is not in a folder; torch.save puts every record in one`);
  return firstName.slice(0, slash);
}

/** The archive's records by name inside its folder; each storage is read (and CRC-checked) once. */
class Records {
  private readonly storages = new Map<string, Uint8Array>();

  constructor(
    private readonly file: Uint8Array,
    private readonly archive: ZipArchive,
    private readonly folder: string,
  ) {}

  has(name: string): boolean {
    return this.archive.entries.has(`${this.folder}/${name}`);
  }

  get(name: string, what: string): Uint8Array {
    const entry = this.archive.entries.get(`${this.folder}/${name}`);
    if (entry === undefined) throw new TorchFormatError('MISSING_RECORD', `${what} (${quoteName(`${this.folder}/${name}`)}) is not in the archive`);
    return readZipEntry(this.file, entry);
  }

  /** The storage's bytes, checked against the element count the pickle declares for it. */
  storage(ref: StorageRef): Uint8Array {
    let data = this.storages.get(ref.key);
    if (data === undefined) {
      data = this.get(`data/${ref.key}`, `storage ${quoteName(ref.key)}`);
      this.storages.set(ref.key, data);
    }
    const expected = ref.numel * SAFETENSORS_DTYPES[ref.dtype].byteSize;
    if (data.length !== expected) {
      throw new TorchFormatError('INVALID_TENSOR', `storage ${quoteName(ref.key)} holds ${data.length} bytes; ${ref.numel} elements of ${ref.dtype} need ${expected}`, ref.key);
    }
    return data;
  }
}

/** torch.save writes `byteorder` since PyTorch 2.1; without one, PyTorch assumes little-endian too. */
function checkByteOrder(records: Records): void {
  if (!records.has('byteorder')) return;
  const order = records.get('byteorder', 'the byte order');
  const text = String.fromCharCode(...order.subarray(0, 16));
  if (text !== 'little') {
    throw new TorchFormatError('BYTE_ORDER', `the archive's byteorder record says ${JSON.stringify(text)}; only little-endian storages are read`);
  }
}

/** The (name, tensor) pairs of the unpickled value, which must be a flat dict of str to tensor. */
function stateDictEntries(value: PickleValue, limits: TorchStateDictLimits): Array<[string, TensorRef]> {
  if (!(value instanceof PickleDict)) {
    throw new TorchFormatError('NOT_A_STATE_DICT', `the pickle holds ${describe(value)}; expected a dict of names to tensors`);
  }
  if (value.entries.size > limits.maxTensors) {
    throw new TorchFormatError('TOO_LARGE', `the dict has ${value.entries.size} entries, over the limit of ${limits.maxTensors}`);
  }
  const entries: Array<[string, TensorRef]> = [];
  for (const [name, tensor] of value.entries) {
    if (typeof name !== 'string') throw new TorchFormatError('NOT_A_STATE_DICT', `the dict has the int key ${name}; a state dict's names are strings`);
    if (!(tensor instanceof TensorRef)) {
      throw new TorchFormatError('NOT_A_STATE_DICT', `${quoteName(name)} is ${describe(tensor)}, not a tensor (a nested checkpoint? save its state dict alone)`, name);
    }
    entries.push([name, tensor]);
  }
  return entries;
}

/** The view's elements, row-major, in a fresh aligned buffer. */
function materialise(view: TensorRef, storage: Uint8Array): RawTensor {
  const dtype = view.storage.dtype;
  const byteSize = SAFETENSORS_DTYPES[dtype].byteSize;
  const out = new Uint8Array(view.numel * byteSize);
  if (isContiguous(view)) {
    out.set(storage.subarray(view.offset * byteSize, view.offset * byteSize + out.length));
  } else if (out.length > 0) {
    gather(view, storage, out, byteSize);
  }
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes(out, byteSize);
  return { dtype, shape: [...view.shape], data: SAFETENSORS_DTYPES[dtype].view(out.buffer) } as RawTensor;
}

/** Row-major strides, ignoring dimensions of size 1 (their stride never matters), as torch's is_contiguous does. */
function isContiguous(view: TensorRef): boolean {
  let expected = 1;
  for (let i = view.shape.length - 1; i >= 0; i--) {
    if (view.shape[i] !== 1 && view.stride[i] !== expected) return view.numel === 0;
    expected *= view.shape[i];
  }
  return true;
}

/** Copies each element from its strided position, walking the index like an odometer. */
function gather(view: TensorRef, storage: Uint8Array, out: Uint8Array, byteSize: number): void {
  const rank = view.shape.length;
  const index = new Array<number>(rank).fill(0);
  let source = view.offset;
  for (let written = 0; written < out.length; written += byteSize) {
    const from = source * byteSize;
    for (let b = 0; b < byteSize; b++) out[written + b] = storage[from + b];
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      source += view.stride[axis];
      if (index[axis] < view.shape[axis]) break;
      source -= view.stride[axis] * view.shape[axis];
      index[axis] = 0;
    }
  }
}
