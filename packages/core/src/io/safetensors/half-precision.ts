/**
 * float16 and bfloat16 <-> float32, bit-exact with IEEE round-to-nearest-even, the
 * rounding PyTorch uses, so an F16 file written here matches `tensor.half()`.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The bits of `value` as float32. */
function float32Bits(value: number): number {
  f32[0] = value;
  return u32[0];
}

export function float32ToFloat16Bits(value: number): number {
  const bits = float32Bits(value);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 | (mantissa >>> 13) : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00; // too large: infinity
  if (halfExponent <= 0) {
    // Subnormal half (or zero): shift the full mantissa, implicit bit included.
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    return sign | roundShift(mantissa, shift);
  }
  // A carry out of the mantissa bumps the exponent, up to infinity: both correct.
  return sign | (roundShift((halfExponent << 23) | mantissa, 13) & 0xffff);
}

/** `value >> shift` rounded to nearest, ties to even. */
function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

let float16Table: Float32Array | undefined;

/** All 65536 half values, built on first use: one lookup per element afterwards. */
function float16Values(): Float32Array {
  if (float16Table) return float16Table;
  float16Table = new Float32Array(0x10000);
  for (let bits = 0; bits < 0x10000; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >>> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    if (exponent === 0) float16Table[bits] = sign * mantissa * 2 ** -24;
    else if (exponent === 0x1f) float16Table[bits] = mantissa !== 0 ? NaN : sign * Infinity;
    else float16Table[bits] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return float16Table;
}

export function float16BitsToFloat32(bits: Uint16Array): Float32Array {
  const table = float16Values();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

export function float32ToBfloat16Bits(value: number): number {
  const bits = float32Bits(value);
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) {
    return ((bits >>> 16) & 0x8000) | 0x7fc0; // keep NaN a (quiet) NaN
  }
  return roundShift(bits, 16) & 0xffff;
}

export function bfloat16BitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = bits[i] << 16;
  return out;
}
