/** Helpers shared by the gradient definitions. */
import * as tf from '@tensorflow/tfjs-core';

/** The one dy of a single-output kernel. */
export function one(dy: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(dy) ? dy[0] : dy;
}

/** The dys of a multi-output kernel; tfjs passes a bare tensor when there is only one. */
export function many(dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(dy) ? dy : [dy];
}

/** Typed view of a kernel's attributes (tfjs hands them over untyped). */
export function attrsOf<T>(attrs: tf.NamedAttrMap): T {
  return attrs as unknown as T;
}

/**
 * Sums `grad` back to `shape`: a binary op broadcast its input up to the
 * output shape, so the input's gradient adds up over the broadcast axes.
 */
export function unbroadcast(grad: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const axes = tf.broadcast_util.getReductionAxes([...shape], grad.shape);
  const reduced = axes.length > 0 ? tf.sum(grad, axes) : grad;
  return tf.reshape(reduced, [...shape]);
}

/** A float32 zero gradient for an input of any dtype (tfjs requires float32 gradients). */
export function zeroGradient(x: tf.Tensor): tf.Tensor {
  return tf.zeros(x.shape, 'float32');
}

export function asFloat(x: tf.Tensor): tf.Tensor {
  return x.dtype === 'float32' ? x : tf.cast(x, 'float32');
}

/** 1 where `condition` holds, else 0, as float32. */
export function mask(condition: tf.Tensor): tf.Tensor {
  return tf.cast(condition, 'float32');
}

/** Runs a kernel through the engine, so that it is recorded on the tape (second-order gradients). */
export function runKernel(kernelName: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor {
  return tf.engine().runKernel(kernelName, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}
