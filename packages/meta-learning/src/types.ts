/** The data a meta-learner works on: batches, tasks, losses, and parameter maps. */
import type * as tf from '@tensorflow/tfjs-core';

/** Inputs and their targets (regression values, class labels, ...). */
export interface Batch<In = tf.Tensor, Target = tf.Tensor> {
  readonly inputs: In;
  readonly targets: Target;
}

/**
 * One task of a meta-batch: the inner loop adapts on `support`, the outer loss
 * is measured on `query`. Tasks own their tensors: whoever sampled a task disposes it.
 */
export interface Task<In = tf.Tensor, Target = tf.Tensor> {
  readonly support: Batch<In, Target>;
  readonly query: Batch<In, Target>;
}

/** A differentiable scalar loss of a model's output against targets. */
export type LossFunction<Out = tf.Tensor, Target = tf.Tensor> = (prediction: Out, targets: Target) => tf.Scalar;

/**
 * Parameter values by dotted path, as `Module.namedParameters()` names them.
 * The currency of the pure functions here: the inner loop takes one and makes a
 * new one; it never writes to a variable.
 */
export type ParameterMap = ReadonlyMap<string, tf.Tensor>;

/**
 * The inner-loop step size: one number for every parameter (MAML), or a tensor
 * per parameter path, of the parameter's shape or a scalar (Meta-SGD's learned rates).
 */
export type InnerLearningRate = number | ReadonlyMap<string, tf.Tensor>;

/** Draws tasks; each call gives fresh tensors that the caller disposes (see `disposeTask`). */
export interface TaskSampler<In = tf.Tensor, Target = tf.Tensor, T extends Task<In, Target> = Task<In, Target>> {
  sample(): T;
}
