/**
 * matMul with the transposes done explicitly. tfjs-backend-wasm runs
 * `matMul(a, b, transposeA, transposeB)` through a much slower path than a plain
 * matMul: measured on 2 cores, transposeB 1.5-2.7x and transposeA 1.3-3.8x the
 * time of `transpose` + `matMul` (packages/core/bench/matmul.ts). A transpose is
 * one copy of an operand, cheap next to the product. Same values, same gradients
 * (Transpose's gradient is a transpose).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Swaps the last two axes. */
export function transposeLastTwo(x: tf.Tensor): tf.Tensor {
  const perm = [...Array(x.rank).keys()];
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return tf.transpose(x, perm);
}

/** op(a) @ op(b), op = transpose of the last two axes when asked. Broadcasts batch axes as tf.matMul does. */
export function matMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  return tf.tidy(() => tf.matMul(transposeA ? transposeLastTwo(a) : a, transposeB ? transposeLastTwo(b) : b));
}
