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
