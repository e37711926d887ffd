/**
 * Shared test helpers: backends, tiny models, numerical checks.
 * Not part of the published package.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Activation, Linear, Sequential, manualSeed } from '@peftjs/core';
import { useTestBackend, finiteDifferenceGradient, expectClose, maxAbsDifference } from '@peftjs/core/testing';

// Shared with every package's tests: see @peftjs/core/testing.
export { useTestBackend as onBackend, finiteDifferenceGradient, expectClose, maxAbsDifference };

export const TEST_BACKENDS = ['cpu', 'wasm'] as const;
export type TestBackend = (typeof TEST_BACKENDS)[number];

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
