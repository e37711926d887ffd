/** The numeric helpers every package's tests lean on must themselves fail when they should. */
import { expectClose, finiteDifferenceGradient, maxAbsDifference } from './numeric';

test('expectClose passes within atol + rtol*|expected| and names the worst element otherwise; NaN and length mismatches fail', () => {
  expect(() => expectClose([1, 2.0001], [1, 2], 1e-5, 1e-4)).not.toThrow();
  expect(() => expectClose([1, 2.01, 3.5], [1, 2, 3])).toThrow(/element 2: actual 3.5 vs expected 3/);
  expect(() => expectClose([Number.NaN], [0], 1, 1)).toThrow(/element 0/);
  expect(() => expectClose([1, 2], [1])).toThrow(/expected 1 values, found 2/);
});

test('finiteDifferenceGradient of sum(x^3) is 3x^2 (to the central difference error eps^2)', () => {
  const at = Float32Array.from([0.5, -1, 2]);
  const gradient = finiteDifferenceGradient((v) => v.reduce((s, x) => s + x ** 3, 0), at, 1e-2);
  expectClose(gradient, [0.75, 3, 12], 1e-3, 1e-3);
});

test('maxAbsDifference is the largest gap, NaN when a value is NaN', () => {
  expect(maxAbsDifference([1, 5, -2], [1.5, 5, 1])).toBe(3);
  expect(maxAbsDifference([1, Number.NaN], [1, 2])).toBeNaN();
  expect(() => maxAbsDifference([1], [1, 2])).toThrow();
});
