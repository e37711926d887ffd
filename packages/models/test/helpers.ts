/**
 * Test helpers of @peftjs/models: backend switching and numerical checks.
 * Not part of the published package.
 */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@peftjs/core';

export const TEST_BACKENDS = ['cpu', 'wasm'] as const;
export type TestBackend = (typeof TEST_BACKENDS)[number];

/** Starts a backend through core, which also registers the gradients and wasm kernels training needs. */
export async function onBackend(name: TestBackend): Promise<void> {
  await useBackend(name);
  // The cpu backend prints an "install tfjs-node" banner on first use; tests don't need it.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
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
