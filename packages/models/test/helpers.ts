/**
 * Test helpers of @peftjs/models: backend switching and numerical checks.
 * Not part of the published package.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@peftjs/core';
import { useTestBackend, expectClose } from '@peftjs/core/testing';

// Shared with every package's tests: see @peftjs/core/testing.
export { useTestBackend as onBackend, expectClose };

export const TEST_BACKENDS = ['cpu', 'wasm'] as const;
export type TestBackend = (typeof TEST_BACKENDS)[number];

/** A parameter's values by Hugging Face name (prefix stripped), for reference implementations. */
export function weightsByName(
  model: { namedParameters(): Array<[string, { variable: tf.Tensor }]> },
  stripPrefix = '',
): (name: string) => number[] | number[][] {
  const table = new Map(model.namedParameters().map(([path, p]) => [path.startsWith(stripPrefix) ? path.slice(stripPrefix.length) : path, p]));
  return (name: string) => {
    const parameter = table.get(name);
    if (parameter === undefined) throw new Error(`test: no parameter named ${name}`);
    return parameter.variable.arraySync() as number[] | number[][];
  };
}

/**
 * Central finite differences of `loss` with respect to some elements of a
 * parameter, by assigning perturbed values (restored afterwards).
 */
export function finiteDifferencesAt(
  parameter: { variable: tf.Variable },
  indices: readonly number[],
  loss: () => number,
  epsilon = 1e-2,
): number[] {
  const original = parameter.variable.dataSync().slice();
  const at = (index: number, delta: number) => {
    const values = original.slice();
    values[index] += delta;
    tf.tidy(() => parameter.variable.assign(tf.tensor(values, parameter.variable.shape)));
    return loss();
  };
  const gradient = indices.map((i) => (at(i, epsilon) - at(i, -epsilon)) / (2 * epsilon));
  tf.tidy(() => parameter.variable.assign(tf.tensor(original, parameter.variable.shape)));
  return gradient;
}

/** Elements of a flat gradient at the given indices. */
export function pick(values: ArrayLike<number>, indices: readonly number[]): number[] {
  return indices.map((i) => values[i]);
}

/**
 * Values with at most 8 significant bits (k/256 for |k| <= 100, or 1 + k/128 around 1):
 * exact in F16 and BF16, so decoding errors cannot hide in a tolerance.
 */
export function exactValues(shape: number[], rng: Generator, offset = 0): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const step = offset === 0 ? 256 : 128;
  return tf.tensor(Float32Array.from({ length: size }, () => offset + Math.round((rng.uniform() * 2 - 1) * 50) / step), shape);
}
