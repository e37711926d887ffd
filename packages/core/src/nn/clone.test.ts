import * as tf from '@tensorflow/tfjs-core';
import { onBackend } from '../../test/helpers';
import { cloneModule } from './clone';
import { Linear } from './layers/linear';
import { Sequential } from './layers/sequential';
import { LayerNorm } from './layers/layer-norm';

beforeAll(() => onBackend('cpu'));

test('a clone computes the same, owns new variables, and changes independently', () => {
  const original = new Sequential(new Linear(3, 4), new LayerNorm(4), new Linear(4, 2, { bias: false }));
  original.getParameter('1.bias').trainable = false;
  const clone = cloneModule(original);
  const x = tf.tensor2d([[1, -2, 0.5]]);
  expect(clone).toBeInstanceOf(Sequential);
  expect(clone.namedParameters().map(([p, v]) => [p, v.shape, v.trainable])).toEqual(
    original.namedParameters().map(([p, v]) => [p, v.shape, v.trainable]),
  );
  expect(Array.from(clone.call(x).dataSync())).toEqual(Array.from(original.call(x).dataSync()));
  const originalParams = new Set(original.parameters());
  expect(clone.parameters().some((p) => originalParams.has(p))).toBe(false);
  // Typed fields point into the clone's own tree.
  expect((clone.getSubmodule('0') as Linear).weight).toBe(clone.getParameter('0.weight'));
  clone.getParameter('2.weight').assign(tf.zeros([2, 4]));
  expect(Array.from(clone.call(x).dataSync())).toEqual([0, 0]);
  expect(Array.from(original.call(x).dataSync())).not.toEqual([0, 0]);
  clone.dispose();
  expect(original.parameters().every((p) => !p.isDisposed)).toBe(true);
  original.dispose();
  x.dispose();
});
