/**
 * Numerical checks and backend set-up for tests of method packages: the same
 * helpers every @peftjs package's tests use, so a tolerance or a backend quirk
 * is handled in one place. They throw plain Errors (no runner globals needed).
 */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../backend';

/**
 * Switches to `cpu` or `wasm` through core's useBackend (so wasm gets the
 * training kernels it lacks) and silences the cpu backend's first-use banner.
 */
export async function useTestBackend(name: 'cpu' | 'wasm'): Promise<void> {
  await useBackend(name);
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
}

/** Throws unless |actual - expected| <= atol + rtol * |expected| element-wise; names the worst element. NaN never passes. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-4): void {
  if (actual.length !== expected.length) throw new Error(`expected ${expected.length} values, found ${actual.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) throw new Error(`element ${worst}: actual ${actual[worst]} vs expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
}

/** Central finite-difference gradient of a scalar function of one flat Float32Array. */
export function finiteDifferenceGradient(f: (values: Float32Array) => number, at: Float32Array, epsilon = 1e-2): Float32Array {
  const gradient = new Float32Array(at.length);
  for (let i = 0; i < at.length; i++) {
    const plus = Float32Array.from(at);
    const minus = Float32Array.from(at);
    plus[i] += epsilon;
    minus[i] -= epsilon;
    gradient[i] = (f(plus) - f(minus)) / (2 * epsilon);
  }
  return gradient;
}

/** The largest |a[i] - b[i]| (NaN if either holds a NaN there). */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`expected ${b.length} values, found ${a.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return Number.NaN;
    max = Math.max(max, d);
  }
  return max;
}

/**
 * Checks tfjs' gradients of `loss` with respect to `parameters` against
 * central finite differences (float32: by default 2e-3 absolute and 2%
 * relative, with steps of 1e-2). `reference` is the function the differences
 * are taken of, where the gradient is meant to be that of another function
 * than `loss` (DoRA's, with the weight norm held constant). Parameters are restored afterwards; a mismatch names the
 * parameter and the worst element.
 */
export function expectGradientsMatchFiniteDifferences(
  parameters: ReadonlyArray<readonly [string, { variable: tf.Variable; assign(v: tf.Tensor): void }]>,
  loss: () => tf.Scalar,
  options: { epsilon?: number; atol?: number; rtol?: number; reference?: () => tf.Scalar } = {},
): void {
  const epsilon = options.epsilon ?? 1e-2;
  const variables = parameters.map(([, p]) => p.variable);
  const analytic = tf.tidy(() => {
    const { grads } = tf.variableGrads(loss, variables);
    return variables.map((v) => Array.from(grads[v.name].dataSync()));
  });
  const reference = options.reference ?? loss;
  parameters.forEach(([name, parameter], k) => {
    const start = Float32Array.from(parameter.variable.dataSync());
    const numeric = start.map((_, i) => {
      const at = (delta: number) => {
        const moved = Float32Array.from(start);
        moved[i] += delta;
        const value = tf.tensor(moved, parameter.variable.shape);
        parameter.assign(value);
        value.dispose();
        return tf.tidy(() => reference().dataSync()[0]);
      };
      return (at(epsilon) - at(-epsilon)) / (2 * epsilon);
    });
    const restore = tf.tensor(start, parameter.variable.shape);
    parameter.assign(restore);
    restore.dispose();
    try {
      expectClose(analytic[k], numeric, options.atol ?? 2e-3, options.rtol ?? 2e-2);
    } catch (error) {
      throw new Error(`gradient of ${name}: ${(error as Error).message}`);
    }
  });
}
