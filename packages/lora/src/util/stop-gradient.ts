import * as tf from '@tensorflow/tfjs-core';

/**
 * The value of `x` with no gradient flowing back through it (torch's
 * `.detach()`); tfjs has no such op, a custom gradient of zero is one.
 */
export const stopGradient = tf.customGrad((...inputs) => ({
  value: tf.clone(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as <T extends tf.Tensor>(x: T) => T;
