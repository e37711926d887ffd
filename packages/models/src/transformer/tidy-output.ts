import * as tf from '@tensorflow/tfjs-core';

/**
 * tf.tidy for forward passes that return an output object: every intermediate
 * is freed, the tensors in the returned object (at any depth) are kept.
 */
export function tidyOutput<T>(fn: () => T): T {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as T;
}
