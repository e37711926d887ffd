/** The numeric helpers every package's tests lean on must themselves fail when they should. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../register-gradients';
import { expectClose, expectGradientsMatchFiniteDifferences, finiteDifferenceGradient, maxAbsDifference, useTestBackend } from './numeric';

beforeAll(() => useTestBackend('cpu'));

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

test('expectGradientsMatchFiniteDifferences accepts true gradients, names the parameter of a wrong one, and restores the values', () => {
  const variable: tf.Variable = tf.variable(tf.tensor1d([0.3, -0.7]));
  const parameter = { variable, assign: (v: tf.Tensor) => variable.assign(v) };
  const loss = () => tf.sum(tf.pow(variable, 3)) as tf.Scalar;
  expectGradientsMatchFiniteDifferences([['w', parameter]], loss);
  // The same value with a gradient twice too large.
  const doubled = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return { value: tf.sum(tf.pow(x, 3)), gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.mul(dy, tf.mul(6, tf.square(saved))) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  expect(() => expectGradientsMatchFiniteDifferences([['w', parameter]], () => doubled(variable) as tf.Scalar)).toThrow(/gradient of w: element/);
  expect(Array.from(variable.dataSync())).toEqual([Float32Array.from([0.3])[0], Float32Array.from([-0.7])[0]]);
  variable.dispose();
});
