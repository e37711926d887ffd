/**
 * x Wᵀ + b for a core Linear (W stored [out, in]), with W transposed
 * explicitly: tfjs' wasm BatchMatMul is several times slower with
 * `transposeB` (at a bottleneck's shapes, 2048 x 256 by 16 x 256, about 5x),
 * and for a small W the explicit transpose costs next to nothing. Reads the
 * parameters through `read()`, so functional calls (MAML) reach them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Linear } from '@peftjs/core';

export function project(x: tf.Tensor, linear: Linear): tf.Tensor {
  return tf.tidy(() => {
    const weight = linear.weight.read();
    const [outSize, inSize] = weight.shape;
    const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inSize]);
    let y = tf.matMul(flat, tf.transpose(weight));
    if (linear.bias) y = tf.add(y, linear.bias.read());
    return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), outSize]);
  });
}
