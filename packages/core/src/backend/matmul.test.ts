/**
 * matMul with explicit transposes must be tf.matMul with transpose flags, value
 * for value, for every flag combination and with broadcast batch axes.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { expectClose } from '../../test/helpers';
import { matMul, transposeLastTwo } from './matmul';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

test.each([
  [false, false],
  [false, true],
  [true, false],
  [true, true],
])('equals tf.matMul with transposeA=%s transposeB=%s, batch axes broadcast', (transposeA, transposeB) => {
  const a = tf.randomNormal(transposeA ? [2, 3, 5, 4] : [2, 3, 4, 5], 0, 1, 'float32', 1);
  const b = tf.randomNormal(transposeB ? [6, 5] : [5, 6], 0, 1, 'float32', 2);
  const before = tf.memory().numTensors;
  const ours = matMul(a, b, transposeA, transposeB);
  expect(tf.memory().numTensors).toBe(before + 1);
  const theirs = tf.matMul(a, tf.broadcastTo(b, [2, 3, ...b.shape]), transposeA, transposeB);
  expect(ours.shape).toEqual([2, 3, 4, 6]);
  expectClose(ours.dataSync(), theirs.dataSync());
  tf.dispose([a, b, ours, theirs]);
});

test('transposeLastTwo swaps only the last two axes', () => {
  const x = tf.reshape(tf.range(0, 24), [2, 3, 4]);
  const t = transposeLastTwo(x);
  expect(t.shape).toEqual([2, 4, 3]);
  expect(t.arraySync()).toEqual((x.arraySync() as number[][][]).map((m) => m[0].map((_, j) => m.map((row) => row[j]))));
  tf.dispose([x, t]);
});
