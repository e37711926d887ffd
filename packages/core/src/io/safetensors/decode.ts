import * as tf from '@tensorflow/tfjs-core';
import { SafetensorsFormatError } from '../errors';
import { readRawTensor, selectTensors, type DecodeSafetensorsOptions, type RawTensor } from './decode-raw';
import { SAFETENSORS_DTYPES, type TfjsDtype } from './dtypes';
import { asUint8Array, quoteName, readSafetensorsHeader, type BinaryInput, type SafetensorsHeader } from './header';
import { bfloat16BitsToFloat32, float16BitsToFloat32 } from './half-precision';

export interface DecodeSafetensorsTensorOptions extends DecodeSafetensorsOptions {
  /**
   * Refuse float tensors holding NaN or infinities (a SafetensorsFormatError
   * `NON_FINITE` naming the tensor and the first such value), before any tensor
   * is made. Adapter loading asks for it: a NaN weight poisons every output.
   */
  readonly rejectNonFinite?: boolean;
}

export interface DecodedSafetensors {
  readonly header: SafetensorsHeader;
  /** By name; an object without prototype. The caller owns (and disposes) the tensors. */
  readonly tensors: Record<string, tf.Tensor>;
  readonly metadata: Record<string, string>;
}

type TensorValues = Float32Array | Int32Array | Uint8Array;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Decode a safetensors file into tfjs tensors (dtype mapping: see `dtypes.ts`).
 * The header is validated and every value converted before the first tensor is
 * made, so a failure leaves no tensor behind.
 */
export function decodeSafetensors(bytes: BinaryInput, options: DecodeSafetensorsTensorOptions = {}): DecodedSafetensors {
  const view = asUint8Array(bytes);
  const header = readSafetensorsHeader(view);
  const converted = selectTensors(header, options).map((info) => {
    const raw = readRawTensor(view, header, info);
    const values = toTfjsValues(info.name, raw);
    if (options.rejectNonFinite && values instanceof Float32Array) assertFinite(info.name, raw.dtype, values);
    return { name: info.name, shape: [...info.shape], values, dtype: SAFETENSORS_DTYPES[raw.dtype].tfjsDtype };
  });
  const tensors: Record<string, tf.Tensor> = Object.create(null);
  try {
    for (const { name, shape, values, dtype } of converted) tensors[name] = tf.tensor(values, shape, dtype as TfjsDtype);
  } catch (error) {
    for (const tensor of Object.values(tensors)) tensor.dispose();
    throw error;
  }
  return { header, tensors, metadata: header.metadata };
}

/** Values in the array type tfjs stores for the tensor's tfjs dtype. */
export function toTfjsValues(name: string, raw: RawTensor): TensorValues {
  switch (raw.dtype) {
    case 'F32':
    case 'I32':
      return raw.data;
    case 'F64':
      return Float32Array.from(raw.data);
    case 'F16':
      return float16BitsToFloat32(raw.data);
    case 'BF16':
      return bfloat16BitsToFloat32(raw.data);
    case 'I16':
    case 'I8':
    case 'U8':
    case 'U16':
      return Int32Array.from(raw.data);
    case 'U32':
      return Int32Array.from(raw.data, (value) => checkedInt32(name, raw.dtype, value));
    case 'I64':
    case 'U64':
      return Int32Array.from(raw.data as ArrayLike<bigint>, (value: bigint) => checkedInt32(name, raw.dtype, value));
    case 'BOOL':
      return raw.data.map((value) => (value !== 0 ? 1 : 0));
  }
}

function checkedInt32(name: string, dtype: string, value: number | bigint): number {
  const number = Number(value);
  // Compare the exact value: Number() of a huge int64 could round into range.
  if (typeof value === 'bigint' ? value < BigInt(INT32_MIN) || value > BigInt(INT32_MAX) : number < INT32_MIN || number > INT32_MAX) {
    throw new SafetensorsFormatError(
      'INT_OUT_OF_RANGE',
      `tensor ${quoteName(name)} (${dtype}) holds ${value}, outside the int32 range of tfjs tensors; decodeSafetensorsRaw reads it exactly`,
      name,
    );
  }
  return number;
}

/** Refuses NaN and infinities in a float tensor's values, naming the tensor (see `rejectNonFinite`). */
export function assertFinite(name: string, dtype: string, values: Float32Array): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new SafetensorsFormatError(
        'NON_FINITE',
        `tensor ${quoteName(name)} (${dtype}) holds ${values[i]} at flat index ${i}; refusing non-finite values (loadAdapter's allowNonFinite: true loads it anyway)`,
        name,
      );
    }
  }
}
