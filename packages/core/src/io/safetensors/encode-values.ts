import { InvalidArgumentError } from '../../errors';
import { HOST_IS_LITTLE_ENDIAN, swapBytes, type SafetensorsDtype, type SafetensorsTypedArray } from './dtypes';
import { quoteName } from './header';
import { float32ToBfloat16Bits, float32ToFloat16Bits } from './half-precision';

/** Upper bounds are exclusive: 2^63 - 1 has no exact double, 2^63 does. */
const INTEGER_RANGES: Partial<Record<SafetensorsDtype, readonly [number, number]>> = {
  I8: [-(2 ** 7), 2 ** 7],
  U8: [0, 2 ** 8],
  I16: [-(2 ** 15), 2 ** 15],
  U16: [0, 2 ** 16],
  I32: [-(2 ** 31), 2 ** 31],
  U32: [0, 2 ** 32],
  I64: [-(2 ** 63), 2 ** 63],
  U64: [0, 2 ** 64],
};

/**
 * tfjs values (float32, int32 or bool) as the typed array of the dtype a file stores
 * them in. Narrowing is checked, never wrapped: 300 as U8 is an error, not 44.
 */
export function convertValues(name: string, values: Float32Array | Int32Array | Uint8Array, dtype: SafetensorsDtype): SafetensorsTypedArray {
  const integer = (value: number): number => {
    const [min, maxExclusive] = INTEGER_RANGES[dtype] as readonly [number, number];
    if (!Number.isInteger(value) || value < min || value >= maxExclusive) {
      throw new InvalidArgumentError(`Tensor ${quoteName(name)}: ${value} cannot be stored as ${dtype} (not an integer in [${min}, ${maxExclusive}))`);
    }
    return value;
  };
  switch (dtype) {
    case 'F32':
      return Float32Array.from(values);
    case 'F64':
      return Float64Array.from(values);
    case 'F16':
      return Uint16Array.from(values, float32ToFloat16Bits);
    case 'BF16':
      return Uint16Array.from(values, float32ToBfloat16Bits);
    case 'BOOL':
      return Uint8Array.from(values, (value) => (value !== 0 ? 1 : 0));
    case 'I64':
      return BigInt64Array.from(values, (value) => BigInt(integer(value)));
    case 'U64':
      return BigUint64Array.from(values, (value) => BigInt(integer(value)));
    case 'I32':
      return Int32Array.from(values, integer);
    case 'U32':
      return Uint32Array.from(values, integer);
    case 'I16':
      return Int16Array.from(values, integer);
    case 'U16':
      return Uint16Array.from(values, integer);
    case 'I8':
      return Int8Array.from(values, integer);
    case 'U8':
      return Uint8Array.from(values, integer);
  }
}

/** Little-endian bytes of a typed array this module owns. */
export function bytesOf(array: SafetensorsTypedArray): Uint8Array {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes(bytes, array.BYTES_PER_ELEMENT);
  return bytes;
}
