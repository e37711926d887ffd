/**
 * The safetensors dtypes peftjs reads and writes: byte size, the typed array that
 * holds them losslessly, and the tfjs dtype they become as tensors.
 *
 * tfjs has only float32, int32 and bool, so:
 * - F16, BF16 and F64 become float32 (F64 rounds to nearest float32; values beyond
 *   float32's range become +-Infinity, as PyTorch's `.float()` does).
 * - I8, U8, I16, U16 become int32 exactly. I64, U32 and U64 become int32 when every
 *   value fits in [-2^31, 2^31 - 1]; otherwise decoding fails with INT_OUT_OF_RANGE
 *   rather than wrapping silently (a wrapped index would point at the wrong row).
 *   `decodeSafetensorsRaw` gives such values exactly, as BigInt64Array/Uint32Array.
 * - BOOL becomes bool; any non-zero byte reads as true.
 * F8_*, F4, F6 and C64 are refused as UNKNOWN_DTYPE.
 */

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

/** The typed array each dtype decodes to without loss (F16/BF16 as their raw bits). */
export interface SafetensorsTypedArrays {
  F64: Float64Array;
  F32: Float32Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  I64: BigInt64Array;
  I32: Int32Array;
  I16: Int16Array;
  I8: Int8Array;
  U64: BigUint64Array;
  U32: Uint32Array;
  U16: Uint16Array;
  U8: Uint8Array;
  BOOL: Uint8Array;
}

export type SafetensorsTypedArray = SafetensorsTypedArrays[SafetensorsDtype];

export type TfjsDtype = 'float32' | 'int32' | 'bool';

interface DtypeInfo {
  readonly byteSize: number;
  readonly tfjsDtype: TfjsDtype;
  /** Rank in Rust safetensors' `Dtype` enum; the writer sorts tensors by it, descending, so each starts aligned. */
  readonly writeRank: number;
  /** The typed array of this dtype over a fresh, aligned, host-endian buffer. */
  view(buffer: ArrayBuffer): SafetensorsTypedArray;
}

export const SAFETENSORS_DTYPES: Readonly<Record<SafetensorsDtype, DtypeInfo>> = {
  BOOL: { byteSize: 1, tfjsDtype: 'bool', writeRank: 0, view: (b) => new Uint8Array(b) },
  U8: { byteSize: 1, tfjsDtype: 'int32', writeRank: 1, view: (b) => new Uint8Array(b) },
  I8: { byteSize: 1, tfjsDtype: 'int32', writeRank: 2, view: (b) => new Int8Array(b) },
  I16: { byteSize: 2, tfjsDtype: 'int32', writeRank: 3, view: (b) => new Int16Array(b) },
  U16: { byteSize: 2, tfjsDtype: 'int32', writeRank: 4, view: (b) => new Uint16Array(b) },
  F16: { byteSize: 2, tfjsDtype: 'float32', writeRank: 5, view: (b) => new Uint16Array(b) },
  BF16: { byteSize: 2, tfjsDtype: 'float32', writeRank: 6, view: (b) => new Uint16Array(b) },
  I32: { byteSize: 4, tfjsDtype: 'int32', writeRank: 7, view: (b) => new Int32Array(b) },
  U32: { byteSize: 4, tfjsDtype: 'int32', writeRank: 8, view: (b) => new Uint32Array(b) },
  F32: { byteSize: 4, tfjsDtype: 'float32', writeRank: 9, view: (b) => new Float32Array(b) },
  F64: { byteSize: 8, tfjsDtype: 'float32', writeRank: 10, view: (b) => new Float64Array(b) },
  I64: { byteSize: 8, tfjsDtype: 'int32', writeRank: 11, view: (b) => new BigInt64Array(b) },
  U64: { byteSize: 8, tfjsDtype: 'int32', writeRank: 12, view: (b) => new BigUint64Array(b) },
};

export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPES, value);
}

/** Whether this machine stores numbers little-endian (every mainstream JS host does). */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Swap each element's bytes in place: the fallback that keeps big-endian hosts
 * correct, since safetensors data is always little-endian.
 */
export function swapBytes(bytes: Uint8Array, byteSize: number): void {
  for (let start = 0; start + byteSize <= bytes.length; start += byteSize) {
    bytes.subarray(start, start + byteSize).reverse();
  }
}
