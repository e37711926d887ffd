/**
 * The tensor algebra LoHa and LoKr are built from, as LyCORIS and peft define
 * it, with 2-D matMuls only (every tfjs backend has their gradients), and
 * PyTorch's kaiming_uniform_(a=sqrt(5)) fan-in rule for any factor shape.
 */
import * as tf from '@tensorflow/tfjs-core';
import { init, type Generator } from '@peftjs/core';

/** PyTorch's fan-in of a tensor: its second dimension times the receptive field (the dimensions after it). */
export function torchFanIn(shape: readonly number[]): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/** nn.init.kaiming_uniform_(t, a=sqrt(5)): U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with PyTorch's fan-in. */
export function kaimingFactor(shape: number[], rng: Generator): tf.Tensor {
  return init.kaimingUniform(shape, torchFanIn(shape), rng);
}

/**
 * The CP rebuild of a convolution kernel (LyCORIS's make_weight_cp, einsum
 * "i j k l, i p, j r -> p r k l"): core t [R1, R2, kh, kw] with mode factors
 * a [R1, P] and b [R2, Q] gives [P, Q, kh, kw].
 */
export function cpRebuild(t: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => {
    const [r1, r2, kh, kw] = t.shape as number[];
    const p = a.shape[1] as number;
    const q = b.shape[1] as number;
    // Contract i with a: [j, k, l, i] @ [i, p] -> [j, k, l, p].
    const first = tf.matMul(tf.reshape(tf.transpose(t, [1, 2, 3, 0]), [r2 * kh * kw, r1]), a);
    // Contract j with b: [p, k, l, j] @ [j, q] -> [p, k, l, q].
    const moved = tf.transpose(tf.reshape(first, [r2, kh, kw, p]), [3, 1, 2, 0]);
    const second = tf.matMul(tf.reshape(moved, [p * kh * kw, r2]), b);
    return tf.transpose(tf.reshape(second, [p, kh, kw, q]), [0, 3, 1, 2]) as tf.Tensor4D;
  });
}

/**
 * torch.kron(w1, w2) for w1 [a, c] and w2 [b, d, ...rest] (w1 taken as
 * [a, c, 1, ...] for a 4-D w2, as peft's make_kron does): [a*b, c*d, ...rest],
 * entry [i*b + j, k*d + l, ...] = w1[i, k] * w2[j, l, ...].
 */
export function kron(w1: tf.Tensor, w2: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [a, c] = w1.shape as number[];
    const [b, d, ...rest] = w2.shape as number[];
    const ones = rest.map(() => 1);
    const product = tf.mul(tf.reshape(w1, [a, 1, c, 1, ...ones]), tf.reshape(w2, [1, b, 1, d, ...rest]));
    return tf.reshape(product, [a * b, c * d, ...rest]);
  });
}
