/**
 * Shared test helpers: backend switching and numerical checks.
 * Not part of the published package.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '../src/register-gradients';
import { useBackend } from '../src/backend';

export const TEST_BACKENDS = ['cpu', 'wasm'] as const;
export type TestBackend = (typeof TEST_BACKENDS)[number];

export async function onBackend(name: TestBackend): Promise<void> {
  // Through core's own entry point, so wasm gets the training kernels it lacks.
  await useBackend(name);
  // The cpu backend prints a "install tfjs-node" banner on first use; tests don't need it.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
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

/** Asserts |a - b| <= atol + rtol * |b| element-wise, reporting the worst element. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`element ${worst}: actual ${actual[worst]} vs expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}
