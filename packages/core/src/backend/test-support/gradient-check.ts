/**
 * Gradient checks for the backend tests: analytic gradients on a chosen
 * backend, central finite differences, and a comparison that names the worst
 * element. Inputs are plain arrays so one case runs on any backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// As @peftjs/core ships: tfjs-core's own gradients first (src/index.ts imports this), ours after.
import '../../register-gradients';
import { registerGradients } from '../gradients';
import { registerWasmTrainingKernels } from '../wasm-kernels';

export type TestBackend = 'cpu' | 'wasm';

/** Deterministic values in [min, max) (a small LCG, so cases need no tfjs random state). */
export function values(count: number, seed: number, min = -1, max = 1): number[] {
  let state = (seed * 2654435761) >>> 0 || 1;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return min + ((state >>> 8) / 2 ** 24) * (max - min);
  });
}

/** Values whose magnitude is at least `gap` (kept away from kinks at 0). */
export function awayFromZero(count: number, seed: number, gap = 0.1, max = 1): number[] {
  return values(count, seed, gap, max).map((v, i) => (i % 2 === 0 ? v : -v));
}

/** Distinct values at least `spacing` apart, shuffled (no ties for max / maxPool / argmax). */
export function distinct(count: number, seed: number, spacing = 0.05): number[] {
  const order = values(count, seed).map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(count);
  order.forEach(([, i], rank) => (out[i] = (rank - count / 2) * spacing));
  return out;
}

export interface InputSpec {
  shape: number[];
  values: number[];
}

export const input = (shape: number[], vals: number[]): InputSpec => ({ shape, values: vals.slice(0, tf.util.sizeFromShape(shape)) });

export interface GradientCase {
  name: string;
  inputs: InputSpec[];
  /** Scalar function of the inputs; may create constant tensors (built from plain data, so every backend agrees). */
  loss: (...xs: tf.Tensor[]) => tf.Scalar;
  /** Finite-difference step (default 1e-2) and tolerance for that comparison. */
  epsilon?: number;
  atol?: number;
  rtol?: number;
  /** Check at most this many elements per input by finite differences (default: all). */
  maxChecked?: number;
}

export async function onBackend(name: TestBackend): Promise<void> {
  registerGradients();
  registerWasmTrainingKernels();
  await tf.setBackend(name);
  await tf.ready();
  // The cpu backend prints an "install tfjs-node" banner on first use; tests don't need it.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
}

/** Loss value and gradients with respect to every input, on the active backend. */
export function analytic(c: GradientCase): { loss: number; grads: Float32Array[] } {
  return tf.tidy(() => {
    const xs = c.inputs.map((s) => tf.tensor(s.values, s.shape, 'float32'));
    const { value, grads } = tf.valueAndGrads((...args: tf.Tensor[]) => c.loss(...args))(xs);
    return { loss: value.dataSync()[0], grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

/** Central differences of the loss on the active backend, at `indices` of input `which`. */
export function numeric(c: GradientCase, which: number, indices: number[]): number[] {
  const epsilon = c.epsilon ?? 1e-2;
  const lossAt = (index: number, delta: number) =>
    tf.tidy(() => {
      const xs = c.inputs.map((s, k) => {
        const v = Float32Array.from(s.values);
        if (k === which) v[index] += delta;
        return tf.tensor(v, s.shape, 'float32');
      });
      return c.loss(...xs).dataSync()[0];
    });
  return indices.map((i) => (lossAt(i, epsilon) - lossAt(i, -epsilon)) / (2 * epsilon));
}

/** Evenly spread element indices, at most `max` of them. */
export function sampleIndices(size: number, max = Infinity): number[] {
  if (size <= max) return Array.from({ length: size }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.floor((i * size) / max));
}

/** Throws, naming the worst element, unless |actual - expected| <= atol + rtol * |expected| everywhere. */
export function assertClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number): void {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

/** Largest |g| over all gradients: a case whose gradients are all ~0 would check nothing. */
export function largestMagnitude(grads: ArrayLike<number>[]): number {
  return Math.max(...grads.map((g) => Array.from(g).reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
}
