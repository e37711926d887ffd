import {
  HOST_IS_LITTLE_ENDIAN,
  SAFETENSORS_DTYPES,
  swapBytes,
  type SafetensorsDtype,
  type SafetensorsTypedArrays,
} from './dtypes';
import {
  asUint8Array,
  readSafetensorsHeader,
  type BinaryInput,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
} from './header';

/** A tensor as plain data: exact values, no tfjs. F16/BF16 hold their raw bits. */
export type RawTensor = {
  [D in SafetensorsDtype]: { readonly dtype: D; readonly shape: readonly number[]; readonly data: SafetensorsTypedArrays[D] };
}[SafetensorsDtype];

export interface DecodeSafetensorsOptions {
  /** Decode only the tensors this returns true for (the header is still fully validated). */
  readonly filter?: (tensor: SafetensorsTensorInfo) => boolean;
}

export interface DecodedSafetensorsRaw {
  readonly header: SafetensorsHeader;
  /** By name; an object without prototype, so a tensor named `__proto__` is just a tensor. */
  readonly tensors: Record<string, RawTensor>;
  readonly metadata: Record<string, string>;
}

/** The tensors selected by `filter`, in file order. */
export function selectTensors(header: SafetensorsHeader, options: DecodeSafetensorsOptions): SafetensorsTensorInfo[] {
  return options.filter ? header.tensors.filter(options.filter) : [...header.tensors];
}

/**
 * One tensor's elements, copied out of the file into a fresh aligned buffer: the file
 * bytes are never aliased (a caller may reuse them) and need not be aligned.
 */
export function readRawTensor(bytes: Uint8Array, header: SafetensorsHeader, info: SafetensorsTensorInfo): RawTensor {
  const [begin, end] = info.dataOffsets;
  const copy = new Uint8Array(end - begin);
  copy.set(bytes.subarray(header.dataStart + begin, header.dataStart + end));
  const dtype = SAFETENSORS_DTYPES[info.dtype];
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes(copy, dtype.byteSize);
  return { dtype: info.dtype, shape: info.shape, data: dtype.view(copy.buffer) } as RawTensor;
}

/**
 * Decode a safetensors file into typed arrays, losslessly: for tooling that inspects
 * or rewrites files, and for values tfjs cannot hold (int64 beyond int32).
 */
export function decodeSafetensorsRaw(bytes: BinaryInput, options: DecodeSafetensorsOptions = {}): DecodedSafetensorsRaw {
  const view = asUint8Array(bytes);
  const header = readSafetensorsHeader(view);
  const tensors: Record<string, RawTensor> = Object.create(null);
  for (const info of selectTensors(header, options)) tensors[info.name] = readRawTensor(view, header, info);
  return { header, tensors, metadata: header.metadata };
}
