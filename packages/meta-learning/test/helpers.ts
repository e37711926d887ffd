/**
 * Shared test helpers: backends, tiny models, numerical checks.
 * Not part of the published package.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Activation, Linear, Sequential, manualSeed } from '@peftjs/core';

export const TEST_BACKENDS = ['cpu', 'wasm'] as const;
export type TestBackend = (typeof TEST_BACKENDS)[number];

export async function onBackend(name: TestBackend): Promise<void> {
  await tf.setBackend(name);
  await tf.ready();
  // The cpu backend prints an "install tfjs-node" banner on first use; tests don't need it.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
}

/**
 * A small MLP with a smooth activation, so second derivatives are not zero
 * almost everywhere (as with ReLU). Softplus, not tanh: tfjs 4.22 computes the
 * tanh, sigmoid and exp gradients from the saved output, a copy its tape does
 * not connect back to the input, so their second-order terms are lost.
 */
export function tinyMlp(seed = 3, sizes: readonly number[] = [2, 3, 1], activation = 'softplus'): Sequential {
  manualSeed(seed);
  const layers: Array<Linear | Activation> = [];
  for (let i = 1; i < sizes.length; i++) {
    layers.push(new Linear(sizes[i - 1], sizes[i]));
    if (i < sizes.length - 1) layers.push(new Activation(activation));
  }
  return new Sequential(...layers);
}

/** The sinusoid network of Finn et al. 2017: 1-40-40-1 with ReLU. */
export function sinusoidMlp(seed = 0): Sequential {
  return tinyMlp(seed, [1, 40, 40, 1], 'relu');
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

/** Largest absolute element-wise difference. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** A fixed regression task with tensors from plain arrays (the caller disposes it with disposeTask). */
export function regressionTask(support: number[][], supportY: number[], query: number[][], queryY: number[]) {
  return {
    support: { inputs: tf.tensor2d(support), targets: tf.tensor2d(supportY, [supportY.length, 1]) },
    query: { inputs: tf.tensor2d(query), targets: tf.tensor2d(queryY, [queryY.length, 1]) },
  };
}

/** Flat copies of the parameters' current values, by path. */
export function snapshot(model: { namedParameters(): Array<[string, { variable: tf.Variable }]> }): Map<string, Float32Array> {
  return new Map(model.namedParameters().map(([path, p]) => [path, p.variable.dataSync().slice() as Float32Array]));
}
