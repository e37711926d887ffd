/** Small tensor helpers: disposing tasks and maps, gradients that tolerate unused inputs. */
import * as tf from '@tensorflow/tfjs-core';
import type { ParameterMap, Task } from './types';

/** Frees every tensor a task holds (inputs and targets of both sets, whatever their nesting). */
export function disposeTask(task: Task<unknown, unknown>): void {
  tf.dispose([task.support.inputs, task.support.targets, task.query.inputs, task.query.targets] as unknown as tf.TensorContainer);
}

export function disposeParameterMap(values: ParameterMap): void {
  for (const tensor of values.values()) tensor.dispose();
}

/**
 * Value and gradients of a scalar function with respect to `xs`. Unlike
 * `tf.grads`, an input the function does not depend on (a frozen branch, an
 * inactive adapter) gets a zero gradient instead of an error. Called while an
 * outer gradient is being taped, the backward pass is itself taped, which is
 * what makes second-order MAML work.
 */
export function valueAndGradients(f: () => tf.Scalar, xs: readonly tf.Tensor[]): { value: tf.Scalar; gradients: tf.Tensor[] } {
  try {
    const { value, grads } = tf.engine().gradients(f, [...xs], undefined, true);
    return { value, gradients: grads.map((g, i) => g ?? tf.zerosLike(xs[i])) };
  } catch (error) {
    releaseAbandonedTape();
    throw error;
  }
}

/**
 * tfjs keeps copies of the tensors backprop needs on its tape and frees them
 * only when the outermost gradient completes. If the function throws (a loss
 * given mismatched shapes, say), nothing frees them and the next gradient
 * starts a new tape over them: free them here, once no gradient is running.
 */
function releaseAbandonedTape(): void {
  const state = tf.engine().state;
  if (state.gradientDepth !== 0 || state.activeTape == null) return;
  for (const node of state.activeTape) tf.dispose(node.saved ?? []);
  state.activeTape = null as unknown as typeof state.activeTape;
}

/** Sums `gradient` down to `shape` (a scalar learning rate receives the sum over its parameter's elements). */
export function reduceToShape(gradient: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (tf.util.arraysEqual(gradient.shape, [...shape])) return gradient;
  return tf.reshape(tf.sum(gradient), [...shape]);
}
