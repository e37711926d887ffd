/**
 * ANIL, "almost no inner loop" (Raghu, Raghu, Bengio & Vinyals, 2020): the
 * inner loop adapts only the head; the outer loop meta-learns the whole
 * network. The paper found the body's features are reused, not re-learned,
 * per task, so this matches MAML at a fraction of the inner-loop cost.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@peftjs/core';
import { MetaLearner, type MetaLearnerOptions } from '../meta-learner';
import { TRAINABLE, type ParameterSelection } from '../parameter-subset';

export interface ANILOptions<Out = tf.Tensor, Target = tf.Tensor> extends Omit<MetaLearnerOptions<Out, Target>, 'parameters'> {
  /** The head: what the inner loop adapts (a module path such as '4', or patterns, or a predicate). */
  readonly head: ParameterSelection;
  /** What the meta-update changes. Default: every trainable parameter, body and head. */
  readonly metaParameters?: ParameterSelection;
}

export class ANIL<In = tf.Tensor, Out = tf.Tensor, Target = tf.Tensor> extends MetaLearner<In, Out, Target> {
  constructor(model: Module<In, Out>, options: ANILOptions<Out, Target>) {
    super(model, { ...options, parameters: options.head, metaParameters: options.metaParameters ?? TRAINABLE });
  }
}
