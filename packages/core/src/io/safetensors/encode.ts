import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors';
import { compareCodePoints, isWellFormedUnicode } from '../text/code-point-order';
import type { RawTensor } from './decode-raw';
import { HOST_IS_LITTLE_ENDIAN, SAFETENSORS_DTYPES, isSafetensorsDtype, swapBytes, type SafetensorsDtype, type SafetensorsTypedArray } from './dtypes';
import { bytesOf, convertValues } from './encode-values';
import { MAX_HEADER_BYTES, MAX_RANK, METADATA_KEY, quoteName } from './header';

/** A tfjs tensor, or plain data written exactly as given (e.g. from `decodeSafetensorsRaw`). */
export type EncodableTensor = tf.Tensor | RawTensor;

export interface EncodeSafetensorsOptions {
  /** String pairs stored as `__metadata__`; peft writes `{ format: 'pt' }`. Omitted when not given. */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * The dtype to store each tfjs tensor as, by name or by a function of the name.
   * Unlisted tensors keep their own type: float32 -> F32, int32 -> I32, bool -> BOOL.
   * Floats are rounded to nearest even (F16, BF16); integer dtypes refuse values
   * that are not integers in range rather than wrapping them. Raw tensors are always
   * written in their own dtype.
   */
  readonly dtypes?: Readonly<Record<string, SafetensorsDtype>> | ((name: string) => SafetensorsDtype | undefined);
}

interface PreparedTensor {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/**
 * Encode tensors as a safetensors file, laid out as Python's safetensors writes it:
 * tensors ordered by dtype alignment (widest first) then name, the header padded
 * with spaces to a multiple of 8 bytes, so every tensor starts aligned to its
 * element size, and the same compact header JSON. Reads tensor values synchronously
 * (`encodeSafetensorsAsync` does not).
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, EncodableTensor>>,
  options: EncodeSafetensorsOptions = {},
): Uint8Array {
  return encodeWith(tensors, options, (tensor) => tensor.dataSync() as TensorValues);
}

/**
 * `encodeSafetensors` reading tensor values with `await tensor.data()`: on
 * WebGL and WebGPU a synchronous read stalls the page until the GPU is done,
 * an asynchronous one does not. Values are read once, all before encoding,
 * so the bytes are the same as `encodeSafetensors` gives.
 */
export async function encodeSafetensorsAsync(
  tensors: Readonly<Record<string, EncodableTensor>>,
  options: EncodeSafetensorsOptions = {},
): Promise<Uint8Array> {
  const read = new Map<tf.Tensor, TensorValues>();
  // A disposed tensor is left for encodeWith to refuse with its typed error.
  const live = Object.values(tensors).filter((tensor): tensor is tf.Tensor => isTfjsTensor(tensor) && !tensor.isDisposed);
  await Promise.all(live.map(async (tensor) => read.set(tensor, (await tensor.data()) as TensorValues)));
  return encodeWith(tensors, options, (tensor) => read.get(tensor) ?? (tensor.dataSync() as TensorValues));
}

type TensorValues = Float32Array | Int32Array | Uint8Array;
type ValuesOf = (tensor: tf.Tensor) => TensorValues;

function encodeWith(tensors: Readonly<Record<string, EncodableTensor>>, options: EncodeSafetensorsOptions, valuesOf: ValuesOf): Uint8Array {
  const prepared = Object.entries(tensors).map(([name, tensor]) => prepareTensor(name, tensor, requestedDtype(options, name), valuesOf));
  prepared.sort(
    (a, b) => SAFETENSORS_DTYPES[b.dtype].writeRank - SAFETENSORS_DTYPES[a.dtype].writeRank || compareCodePoints(a.name, b.name),
  );
  const header = headerBytes(prepared, options.metadata);
  const dataByteLength = prepared.reduce((sum, tensor) => sum + tensor.bytes.length, 0);
  const out = new Uint8Array(8 + header.length + dataByteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  let offset = 8 + header.length;
  for (const tensor of prepared) {
    out.set(tensor.bytes, offset);
    offset += tensor.bytes.length;
  }
  return out;
}

function requestedDtype(options: EncodeSafetensorsOptions, name: string): SafetensorsDtype | undefined {
  const { dtypes } = options;
  const dtype = typeof dtypes === 'function' ? dtypes(name) : dtypes && Object.hasOwn(dtypes, name) ? dtypes[name] : undefined;
  if (dtype !== undefined && !isSafetensorsDtype(dtype)) {
    throw new InvalidArgumentError(`dtypes[${quoteName(name)}]: expected one of ${Object.keys(SAFETENSORS_DTYPES).join(', ')}, found ${String(dtype)}`);
  }
  return dtype;
}

function isTfjsTensor(value: unknown): value is tf.Tensor {
  return typeof value === 'object' && value !== null && typeof (value as tf.Tensor).dataSync === 'function';
}

function prepareTensor(name: string, tensor: EncodableTensor, requested: SafetensorsDtype | undefined, valuesOf: ValuesOf): PreparedTensor {
  if (name === METADATA_KEY) throw new InvalidArgumentError(`"${METADATA_KEY}" is reserved for metadata and cannot name a tensor`);
  if (!isWellFormedUnicode(name)) throw new InvalidArgumentError(`Tensor name ${quoteName(name)} has a lone surrogate and no UTF-8 form`);
  const prepared = isTfjsTensor(tensor) ? prepareTfjsTensor(name, tensor, requested, valuesOf) : prepareRawTensor(name, tensor, requested);
  if (prepared.shape.length > MAX_RANK) {
    throw new InvalidArgumentError(`Tensor ${quoteName(name)} has ${prepared.shape.length} dimensions; readers accept at most ${MAX_RANK}`);
  }
  return prepared;
}

const DEFAULT_DTYPES: Record<string, SafetensorsDtype> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };

function prepareTfjsTensor(name: string, tensor: tf.Tensor, requested: SafetensorsDtype | undefined, valuesOf: ValuesOf): PreparedTensor {
  if (tensor.isDisposed) throw new InvalidArgumentError(`Tensor ${quoteName(name)} is disposed`);
  const dtype = requested ?? DEFAULT_DTYPES[tensor.dtype];
  if (dtype === undefined) {
    throw new InvalidArgumentError(`Tensor ${quoteName(name)} has tfjs dtype ${tensor.dtype}; expected float32, int32 or bool`);
  }
  const values = valuesOf(tensor);
  return { name, dtype, shape: tensor.shape, bytes: bytesOf(convertValues(name, values, dtype)) };
}

const typeTag = (value: unknown): string => Object.prototype.toString.call(value);

function prepareRawTensor(name: string, tensor: RawTensor, requested: SafetensorsDtype | undefined): PreparedTensor {
  const { dtype, shape, data } = (tensor ?? {}) as Partial<RawTensor>;
  if (!isSafetensorsDtype(dtype)) {
    throw new InvalidArgumentError(`Tensor ${quoteName(name)}: expected a tfjs tensor or { dtype, shape, data }, found dtype ${String(dtype)}`);
  }
  if (requested !== undefined && requested !== dtype) {
    throw new InvalidArgumentError(`Tensor ${quoteName(name)} is raw ${dtype} data; it is written as is, not as ${requested}`);
  }
  const info = SAFETENSORS_DTYPES[dtype];
  const expectedTag = typeTag(info.view(new ArrayBuffer(0)));
  if (typeTag(data) !== expectedTag) {
    throw new InvalidArgumentError(`Tensor ${quoteName(name)}: ${dtype} data must be a ${expectedTag.slice(8, -1)}, found ${typeTag(data).slice(8, -1)}`);
  }
  const typed = data as SafetensorsTypedArray;
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw new InvalidArgumentError(`Tensor ${quoteName(name)}: shape must be a list of integers >= 0, found ${JSON.stringify(shape)}`);
  }
  const count = shape.reduce((product, dim) => product * dim, 1);
  if (count !== typed.length) {
    throw new InvalidArgumentError(`Tensor ${quoteName(name)}: shape [${shape.join(', ')}] needs ${count} elements, data has ${typed.length}`);
  }
  const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  if (HOST_IS_LITTLE_ENDIAN) return { name, dtype, shape, bytes };
  const swapped = bytes.slice();
  swapBytes(swapped, info.byteSize);
  return { name, dtype, shape, bytes: swapped };
}

/** The header JSON as Rust's serde_json writes it, padded with spaces to a multiple of 8. */
function headerBytes(tensors: readonly PreparedTensor[], metadata: Readonly<Record<string, string>> | undefined): Uint8Array {
  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`${JSON.stringify(METADATA_KEY)}:${metadataJson(metadata)}`);
  let offset = 0;
  for (const tensor of tensors) {
    const end = offset + tensor.bytes.length;
    parts.push(
      `${JSON.stringify(tensor.name)}:{"dtype":"${tensor.dtype}","shape":[${tensor.shape.join(',')}],"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded > MAX_HEADER_BYTES) {
    throw new InvalidArgumentError(`The header would be ${padded} bytes, over the ${MAX_HEADER_BYTES}-byte limit readers enforce`);
  }
  const out = new Uint8Array(padded).fill(0x20);
  out.set(json);
  return out;
}

function metadataJson(metadata: Readonly<Record<string, string>>): string {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new InvalidArgumentError(`metadata must be an object of strings, found ${JSON.stringify(metadata)}`);
  }
  const entries = Object.entries(metadata).sort(([a], [b]) => compareCodePoints(a, b));
  for (const [key, value] of entries) {
    if (typeof value !== 'string' || !isWellFormedUnicode(value) || !isWellFormedUnicode(key)) {
      throw new InvalidArgumentError(`metadata[${quoteName(key)}] must be a well-formed string, found ${typeof value}`);
    }
  }
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`;
}
