import * as tf from '@tensorflow/tfjs-core';
import { expectClose, onBackend } from '../../test/helpers';
import { clipCoefficient, clipGradNorm, globalNorm } from './clip';

beforeAll(() => onBackend('cpu'));

describe('clipping by global norm (torch.nn.utils.clip_grad_norm_)', () => {
  const values = [
    [3, 0, -4],
    [12, 0],
  ];
  // The norm of everything together: sqrt(9 + 16 + 144) = 13.

  test('the global norm is taken over all tensors together', () => {
    const grads = values.map((v) => tf.tensor1d(v));
    const l2 = globalNorm(grads);
    const inf = globalNorm(grads, Infinity);
    const l1 = globalNorm(grads, 1);
    expect(l2.dataSync()[0]).toBeCloseTo(13, 5);
    expect(inf.dataSync()[0]).toBe(12);
    expect(l1.dataSync()[0]).toBe(19);
    tf.dispose([...grads, l2, inf, l1]);
  });

  test('scales by maxNorm / (norm + 1e-6) when over the limit, and returns the norm before clipping', () => {
    const grads = values.map((v) => tf.tensor1d(v));
    const { gradients, totalNorm } = clipGradNorm(grads, 6.5);
    expect(totalNorm).toBeCloseTo(13, 5);
    const coefficient = 6.5 / (13 + 1e-6);
    expectClose(gradients[0].dataSync(), [3 * coefficient, 0, -4 * coefficient]);
    expectClose(gradients[1].dataSync(), [12 * coefficient, 0]);
    const clippedNorm = globalNorm(gradients);
    expect(clippedNorm.dataSync()[0]).toBeCloseTo(6.5, 4);
    tf.dispose([...grads, ...gradients, clippedNorm]);
  });

  test('leaves gradients under the limit untouched', () => {
    const grads = values.map((v) => tf.tensor1d(v));
    const { gradients } = clipGradNorm(grads, 100);
    expect(gradients.map((g) => Array.from(g.dataSync()))).toEqual(values);
    expect(clipCoefficient(13, 100)).toBe(1);
    tf.dispose([...grads, ...gradients]);
  });
});
