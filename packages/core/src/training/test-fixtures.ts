/**
 * Small models and data for the training tests (not exported from the package).
 * Ops are kept to those the wasm backend can differentiate: Linear, tanh, relu, dropout.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Dropout } from '../nn/layers/dropout';
import { Activation } from '../nn/layers/activations';
import { Linear } from '../nn/layers/linear';
import { Sequential } from '../nn/layers/sequential';
import { Generator, manualSeed } from '../nn/random';

export interface Batch {
  readonly x: tf.Tensor2D;
  readonly y: tf.Tensor2D;
}

/** inputs -> hidden (tanh) -> dropout -> hidden (relu) -> outputs, seeded. */
export function buildMlp(options: { seed?: number; inputs?: number; hidden?: number; outputs?: number; dropout?: number } = {}): Sequential {
  manualSeed(options.seed ?? 1);
  const { inputs = 4, hidden = 8, outputs = 2, dropout = 0 } = options;
  return new Sequential(
    new Linear(inputs, hidden),
    new Activation('tanh'),
    new Dropout(dropout),
    new Linear(hidden, hidden),
    new Activation('relu'),
    new Linear(hidden, outputs),
  );
}

/** `count` batches of `size` rows of a fixed random regression task (y = tanh(x A)). */
export function regressionBatches(count: number, size: number, options: { seed?: number; inputs?: number; outputs?: number } = {}): Batch[] {
  const { seed = 7, inputs = 4, outputs = 2 } = options;
  const rng = new Generator(seed);
  const a = Array.from({ length: inputs * outputs }, () => rng.normal());
  return Array.from({ length: count }, () => {
    const x = Array.from({ length: size * inputs }, () => rng.normal());
    const y: number[] = [];
    for (let r = 0; r < size; r++) {
      for (let o = 0; o < outputs; o++) {
        let s = 0;
        for (let i = 0; i < inputs; i++) s += x[r * inputs + i] * a[i * outputs + o];
        y.push(Math.tanh(s));
      }
    }
    return { x: tf.tensor2d(x, [size, inputs]), y: tf.tensor2d(y, [size, outputs]) };
  });
}

export function mseLoss(model: Sequential, batch: Batch): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(model.call(batch.x), batch.y))) as tf.Scalar);
}

/** Parameter values by path, copied out as plain arrays. */
export function snapshot(model: Sequential): Record<string, Float32Array> {
  return Object.fromEntries(model.namedParameters().map(([path, p]) => [path, Float32Array.from(p.variable.dataSync() as Float32Array)]));
}

export function disposeBatches(batches: readonly Batch[]): void {
  for (const b of batches) tf.dispose([b.x, b.y]);
}
