/**
 * MAML (Finn, Abbeel & Levine, 2017): meta-learn an initialisation θ such that
 * a few gradient steps on a task's support set do well on its query set. The
 * meta-gradient is exact: it is taken through every inner step, second-order
 * terms included (pass `firstOrder: true`, or use FirstOrderMAML, to drop them).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@peftjs/core';
import { MetaLearner, type MetaLearnerOptions } from '../meta-learner';

export type MAMLOptions<Out = tf.Tensor, Target = tf.Tensor> = MetaLearnerOptions<Out, Target>;

export class MAML<In = tf.Tensor, Out = tf.Tensor, Target = tf.Tensor> extends MetaLearner<In, Out, Target> {
  constructor(model: Module<In, Out>, options: MAMLOptions<Out, Target>) {
    super(model, options);
  }
}
