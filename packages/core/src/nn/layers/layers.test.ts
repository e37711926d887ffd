import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, NotFoundError, ShapeMismatchError } from '../../errors';
import { expectClose, onBackend, TEST_BACKENDS } from '../../../test/helpers';
import { Linear } from './linear';
import { Embedding } from './embedding';
import { LayerNorm } from './layer-norm';
import { Dropout } from './dropout';
import { Activation, getActivation } from './activations';
import { manualSeed } from '../random';

describe.each(TEST_BACKENDS)('layers on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test('Linear stores W as [out, in] and computes x Wᵀ + b, for any leading shape', () => {
    const layer = new Linear(2, 3);
    expect(layer.weight.shape).toEqual([3, 2]);
    layer.weight.assign(tf.tensor2d([[1, 2], [3, 4], [5, 6]]));
    layer.bias!.assign(tf.tensor1d([0.5, -0.5, 1]));
    const y = layer.call(tf.tensor3d([[[1, 1]], [[2, -1]]]));
    expect(y.shape).toEqual([2, 1, 3]);
    expectClose(y.dataSync(), [3.5, 6.5, 12, 0.5, 1.5, 5]);
    expect(() => layer.call(tf.zeros([4, 3]))).toThrow(ShapeMismatchError);
    layer.dispose();
  });

  test('Linear without bias, and bad sizes are typed errors', () => {
    const layer = new Linear(4, 2, { bias: false });
    expect(layer.namedParameters().map(([n]) => n)).toEqual(['weight']);
    layer.dispose();
    expect(() => new Linear(0, 2)).toThrow(InvalidArgumentError);
    expect(() => new Linear(2, 1.5)).toThrow(/positive integer, found 1.5/);
  });

  test('Embedding looks up rows and trains: its gradient is a scatter-add of the output gradient', () => {
    manualSeed(0);
    const embedding = new Embedding(5, 3);
    const ids = tf.tensor2d([[1, 3], [1, 0]], undefined, 'int32');
    const table = embedding.weight.variable.arraySync() as number[][];
    expectClose(embedding.call(ids).dataSync(), [...table[1], ...table[3], ...table[1], ...table[0]]);
    // d/dW of sum(E[ids] * c) adds c into each looked-up row: row 1 appears twice.
    const c = tf.tensor3d([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [1, 1, 1]]]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(embedding.call(ids), c)) as tf.Scalar, [embedding.weight.variable]);
    const gradient = Object.values(grads)[0];
    expectClose(gradient.dataSync(), [1, 1, 1, 8, 10, 12, 0, 0, 0, 4, 5, 6, 0, 0, 0]);
    expect(() => embedding.call(tf.tensor1d([1.5]))).toThrow(/int32 token ids, found dtype float32/);
    tf.dispose([ids, c, gradient]);
    embedding.dispose();
  });

  test('LayerNorm normalises the last axis with eps and affine parameters', () => {
    const norm = new LayerNorm(4, { eps: 1e-5 });
    norm.weight!.assign(tf.tensor1d([1, 2, 1, 1]));
    norm.bias!.assign(tf.tensor1d([0, 0, 1, 0]));
    const row = [1, 2, 3, 6];
    const mean = 3;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / 4;
    const normalised = row.map((v) => (v - mean) / Math.sqrt(variance + 1e-5));
    const expected = [normalised[0], 2 * normalised[1], normalised[2] + 1, normalised[3]];
    expectClose(norm.call(tf.tensor2d([row])).dataSync(), expected, 1e-5, 1e-4);
    expect(() => norm.call(tf.zeros([2, 3]))).toThrow(ShapeMismatchError);
    norm.dispose();
  });

  test('Dropout is inverted, seeded, and off in eval mode', () => {
    const x = tf.ones([1000]);
    manualSeed(5);
    const dropout = new Dropout(0.25);
    const a = dropout.call(x).dataSync().slice();
    manualSeed(5);
    const b = dropout.call(x).dataSync().slice();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(new Set(Array.from(a).map((v) => v.toFixed(4)))).toEqual(new Set(['0.0000', '1.3333']));
    const kept = Array.from(a).filter((v) => v > 0).length;
    expect(kept).toBeGreaterThan(700);
    expect(kept).toBeLessThan(800);
    dropout.eval();
    expect(Array.from(dropout.call(x).dataSync())).toEqual(Array.from(x.dataSync()));
    expect(() => new Dropout(1)).toThrow(InvalidArgumentError);
    x.dispose();
  });

  test('activations follow their definitions', () => {
    const xs = [-2, -0.5, 0, 0.7, 3];
    const x = tf.tensor1d(xs);
    const erf = (v: number) => {
      // Abramowitz-Stegun 7.1.26, |error| < 1.5e-7
      const t = 1 / (1 + 0.3275911 * Math.abs(v));
      const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-v * v);
      return Math.sign(v) * y;
    };
    const expected: Record<string, (v: number) => number> = {
      relu: (v) => Math.max(0, v),
      gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
      gelu_new: (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
      silu: (v) => v / (1 + Math.exp(-v)),
      sigmoid: (v) => 1 / (1 + Math.exp(-v)),
      tanh: Math.tanh,
    };
    for (const [name, f] of Object.entries(expected)) {
      expectClose(new Activation(name).call(x).dataSync(), xs.map(f), 1e-5, 1e-4);
    }
    expect(() => getActivation('gelu_neww')).toThrow(NotFoundError);
    x.dispose();
  });
});

test('the same seed gives bit-identical parameters on cpu and wasm', async () => {
  const values: number[][] = [];
  for (const backend of TEST_BACKENDS) {
    await onBackend(backend);
    manualSeed(123);
    const layer = new Linear(16, 8);
    values.push(Array.from(layer.weight.variable.dataSync()));
    layer.dispose();
  }
  expect(values[0]).toEqual(values[1]);
  manualSeed(124);
  const other = new Linear(16, 8);
  expect(Array.from(other.weight.variable.dataSync())).not.toEqual(values[0]);
  other.dispose();
});
