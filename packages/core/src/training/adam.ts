/**
 * Adam (Kingma & Ba), with PyTorch's formulas: bias-corrected moments, epsilon
 * added after the square root, and `weightDecay` as an L2 term added to the
 * gradient (coupled; for decoupled decay use AdamW).
 */
import * as tf from '@tensorflow/tfjs-core';
import { brandClass } from '../util/brand';
import { nonNegativeNumber, unitInterval } from './check';
import { Optimizer, type ParameterState } from './optimizer';
import type { ParameterGroup } from './parameter-groups';

export interface AdamOptions {
  /** Default 1e-3, as in PyTorch. */
  readonly learningRate?: number;
  /** Decay of the first moment. Default 0.9. */
  readonly beta1?: number;
  /** Decay of the second moment. Default 0.999. */
  readonly beta2?: number;
  /** Added to the bias-corrected root of the second moment. Default 1e-8. */
  readonly epsilon?: number;
  /** L2 penalty added to the gradient. Default 0. */
  readonly weightDecay?: number;
  /** Parameters with their own learning rate or weight decay (see parameter-groups.ts). */
  readonly parameterGroups?: readonly ParameterGroup[];
}

export class Adam extends Optimizer {
  static {
    brandClass(this, 'core', 'Adam');
  }

  readonly name: string = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  /** AdamW sets this: decay shrinks the parameter directly instead of entering the moments. */
  protected readonly decoupledWeightDecay: boolean = false;

  constructor(options: AdamOptions = {}, defaultWeightDecay = 0) {
    const what = new.target.name;
    super(options.learningRate ?? 1e-3, what, options.parameterGroups);
    this.beta1 = unitInterval(`${what} beta1`, options.beta1 ?? 0.9);
    this.beta2 = unitInterval(`${what} beta2`, options.beta2 ?? 0.999);
    this.epsilon = nonNegativeNumber(`${what} epsilon`, options.epsilon ?? 1e-8);
    this.weightDecay = nonNegativeNumber(`${what} weightDecay`, options.weightDecay ?? defaultWeightDecay);
  }

  config(): Record<string, number | boolean> {
    const { learningRate, beta1, beta2, epsilon, weightDecay } = this;
    return { learningRate, beta1, beta2, epsilon, weightDecay };
  }

  protected update(variable: tf.Variable, gradient: tf.Tensor, state: ParameterState, learningRate: number, groupWeightDecay: number | undefined): void {
    const { beta1, beta2, epsilon } = this;
    const weightDecay = groupWeightDecay ?? this.weightDecay;
    let parameter: tf.Tensor = variable;
    let grad = gradient;
    if (weightDecay !== 0) {
      // PyTorch AdamW: param.mul_(1 - lr * weight_decay); Adam: grad = grad + weight_decay * param.
      if (this.decoupledWeightDecay) parameter = tf.mul(variable, 1 - learningRate * weightDecay);
      else grad = tf.add(grad, tf.mul(variable, weightDecay));
    }
    const expAvg = this.slot(state, 'exp_avg', () => tf.zerosLike(variable));
    const expAvgSq = this.slot(state, 'exp_avg_sq', () => tf.zerosLike(variable));
    // exp_avg.lerp_(grad, 1 - beta1); exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    const m = tf.add(expAvg, tf.mul(tf.sub(grad, expAvg), 1 - beta1));
    const v = tf.add(tf.mul(expAvgSq, beta2), tf.mul(tf.mul(grad, grad), 1 - beta2));
    // Bias corrections in float64, as PyTorch computes them on Python floats.
    const biasCorrection1 = 1 - beta1 ** state.step;
    const biasCorrection2 = 1 - beta2 ** state.step;
    const stepSize = learningRate / biasCorrection1;
    const denominator = tf.add(tf.div(tf.sqrt(v), Math.sqrt(biasCorrection2)), epsilon);
    const next = tf.sub(parameter, tf.mul(tf.div(m, denominator), stepSize));
    expAvg.assign(m);
    expAvgSq.assign(v);
    variable.assign(next);
  }
}
