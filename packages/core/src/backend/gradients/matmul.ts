/**
 * Gradient of (batched) matMul with optional transposes. With C = op(A) op(B):
 * dA and dB are again matMuls of dy with the other operand, and batch axes that
 * were broadcast are summed back. The products go through our matMul, which
 * transposes explicitly (faster on wasm than tfjs' transpose flags).
 */
import * as tf from '@tensorflow/tfjs-core';
import { matMul } from '../matmul';
import { attrsOf, one, unbroadcast } from './util';

export const matMulGradient: tf.GradConfig = {
  kernelName: tf.BatchMatMul,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, [a, b], attrs) => {
    const { transposeA, transposeB } = attrsOf<tf.BatchMatMulAttrs>(attrs);
    const g = one(dy);
    const [da, db] = ((): [() => tf.Tensor, () => tf.Tensor] => {
      if (!transposeA && !transposeB) return [() => matMul(g, b, false, true), () => matMul(a, g, true, false)];
      if (!transposeA && transposeB) return [() => matMul(g, b, false, false), () => matMul(g, a, true, false)];
      if (transposeA && !transposeB) return [() => matMul(b, g, false, true), () => matMul(a, g, false, false)];
      return [() => matMul(b, g, true, true), () => matMul(g, a, true, true)];
    })();
    return { a: () => unbroadcast(da(), a.shape), b: () => unbroadcast(db(), b.shape) };
  },
};
