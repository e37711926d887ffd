/**
 * Gradient of (batched) matMul with optional transposes. With C = op(A) op(B):
 * dA and dB are again matMuls of dy with the other operand, and batch axes that
 * were broadcast are summed back.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attrsOf, one, unbroadcast } from './util';

export const matMulGradient: tf.GradConfig = {
  kernelName: tf.BatchMatMul,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, [a, b], attrs) => {
    const { transposeA, transposeB } = attrsOf<tf.BatchMatMulAttrs>(attrs);
    const g = one(dy);
    const [da, db] = ((): [() => tf.Tensor, () => tf.Tensor] => {
      if (!transposeA && !transposeB) return [() => tf.matMul(g, b, false, true), () => tf.matMul(a, g, true, false)];
      if (!transposeA && transposeB) return [() => tf.matMul(g, b, false, false), () => tf.matMul(g, a, true, false)];
      if (transposeA && !transposeB) return [() => tf.matMul(b, g, false, true), () => tf.matMul(a, g, false, false)];
      return [() => tf.matMul(b, g, true, true), () => tf.matMul(g, a, true, true)];
    })();
    return { a: () => unbroadcast(da(), a.shape), b: () => unbroadcast(db(), b.shape) };
  },
};
