/**
 * Meta-SGD (Li, Zhou, Chen & Li, 2017): besides the initialisation, meta-learn
 * the inner step size, one rate per parameter element, so the inner update is
 * θ' = θ - α ⊙ ∇L(θ). The rates start at `innerLearningRate` and are updated by
 * the meta-optimiser with θ. They are not constrained to be positive: the paper
 * lets them take any sign, which also lets them choose a direction.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@peftjs/core';
import { MetaLearner, type MetaLearnerOptions } from '../meta-learner';
import type { InnerLearningRate } from '../types';

export type MetaSGDOptions<Out = tf.Tensor, Target = tf.Tensor> = MetaLearnerOptions<Out, Target>;

export class MetaSGD<In = tf.Tensor, Out = tf.Tensor, Target = tf.Tensor> extends MetaLearner<In, Out, Target> {
  private readonly rates: Map<string, tf.Variable>;

  constructor(model: Module<In, Out>, options: MetaSGDOptions<Out, Target>) {
    super(model, options);
    const owner = model as unknown as Module<never, unknown>;
    this.rates = new Map(this.innerPaths.map((path) => [path, tf.variable(tf.fill(owner.getParameter(path).shape, this.baseInnerLearningRate), false)]));
  }

  /** The learned rates by path (live variables: do not dispose). */
  override get innerLearningRate(): InnerLearningRate {
    return this.rates;
  }

  protected override learnedLearningRates(): ReadonlyMap<string, tf.Variable> {
    return this.rates;
  }

  override dispose(): void {
    super.dispose();
    for (const rate of this.rates.values()) rate.dispose();
    this.rates.clear();
  }
}
