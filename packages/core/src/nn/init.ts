/**
 * Initialisers. Each fills a Float32Array from a seeded Generator and returns a
 * tensor, following PyTorch's defaults so that models behave as users expect.
 */
import * as tf from '@tensorflow/tfjs-core';
import { defaultGenerator, type Generator } from './random';

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function uniform(shape: number[], low: number, high: number, rng: Generator = defaultGenerator()): tf.Tensor {
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = low + (high - low) * rng.uniform();
  return tf.tensor(values, shape, 'float32');
}

export function normal(shape: number[], mean = 0, std = 1, rng: Generator = defaultGenerator()): tf.Tensor {
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = mean + std * rng.normal();
  return tf.tensor(values, shape, 'float32');
}

export function zeros(shape: number[]): tf.Tensor {
  return tf.zeros(shape, 'float32');
}

export function ones(shape: number[]): tf.Tensor {
  return tf.ones(shape, 'float32');
}

/**
 * PyTorch's default for Linear and Conv weights: kaiming_uniform with a = sqrt(5),
 * which works out to U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
 */
export function kaimingUniform(shape: number[], fanIn: number, rng: Generator = defaultGenerator()): tf.Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  return uniform(shape, -bound, bound, rng);
}
