/**
 * First-order MAML (FOMAML, Finn et al. 2017 §5.2): the meta-gradient is the
 * query-loss gradient at the adapted values, as if dθ'/dθ were the identity.
 * The inner loop runs untaped, so a meta-step costs about as much as
 * fine-tuning plus one extra backward pass, and memory does not grow with the
 * number of inner steps.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@peftjs/core';
import { MetaLearner, type MetaLearnerOptions } from '../meta-learner';

export type FirstOrderMAMLOptions<Out = tf.Tensor, Target = tf.Tensor> = Omit<MetaLearnerOptions<Out, Target>, 'firstOrder'>;

export class FirstOrderMAML<In = tf.Tensor, Out = tf.Tensor, Target = tf.Tensor> extends MetaLearner<In, Out, Target> {
  constructor(model: Module<In, Out>, options: FirstOrderMAMLOptions<Out, Target>) {
    super(model, { ...options, firstOrder: true });
  }
}
