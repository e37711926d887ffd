/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov
 * momentum and L2 weight decay, as PyTorch's torch.optim.SGD. As there, the
 * momentum buffer starts as a copy of the first gradient (not as zeros scaled
 * by 1 - dampening), and no buffer exists while momentum is 0.
 */
import * as tf from '@tensorflow/tfjs-core';
import { brandClass } from '../util/brand';
import { nonNegativeNumber } from './check';
import { TrainingOptionError } from './errors';
import { Optimizer, type ParameterState } from './optimizer';
import type { ParameterGroup } from './parameter-groups';

export interface SGDOptions {
  /** Default 1e-3, as in PyTorch. */
  readonly learningRate?: number;
  /** Default 0 (plain SGD, no state). */
  readonly momentum?: number;
  /** Share of the new gradient withheld from the momentum buffer. Default 0. */
  readonly dampening?: number;
  /** Nesterov momentum; needs momentum > 0 and dampening 0. Default false. */
  readonly nesterov?: boolean;
  /** L2 penalty added to the gradient. Default 0. */
  readonly weightDecay?: number;
  /** Parameters with their own learning rate or weight decay (see parameter-groups.ts). */
  readonly parameterGroups?: readonly ParameterGroup[];
}

export class SGD extends Optimizer {
  static {
    brandClass(this, 'core', 'SGD');
  }

  readonly name: string = 'sgd';
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(options: SGDOptions = {}) {
    super(options.learningRate ?? 1e-3, 'SGD', options.parameterGroups);
    this.momentum = nonNegativeNumber('SGD momentum', options.momentum ?? 0);
    this.dampening = nonNegativeNumber('SGD dampening', options.dampening ?? 0);
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = nonNegativeNumber('SGD weightDecay', options.weightDecay ?? 0);
    if (typeof this.nesterov !== 'boolean') throw new TrainingOptionError('SGD nesterov', 'true or false', options.nesterov);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new TrainingOptionError('SGD nesterov', 'momentum > 0 and dampening 0 with nesterov: true', `momentum ${this.momentum}, dampening ${this.dampening}`);
    }
  }

  config(): Record<string, number | boolean> {
    const { learningRate, momentum, dampening, nesterov, weightDecay } = this;
    return { learningRate, momentum, dampening, nesterov, weightDecay };
  }

  protected update(variable: tf.Variable, gradient: tf.Tensor, state: ParameterState, learningRate: number, groupWeightDecay: number | undefined): void {
    const { momentum, dampening, nesterov } = this;
    const weightDecay = groupWeightDecay ?? this.weightDecay;
    let grad = weightDecay !== 0 ? tf.add(gradient, tf.mul(variable, weightDecay)) : gradient;
    if (momentum !== 0) {
      const existing = state.slots.get('momentum_buffer');
      let buffer: tf.Tensor;
      if (existing === undefined) {
        buffer = grad;
        this.slot(state, 'momentum_buffer', () => grad);
      } else {
        buffer = tf.add(tf.mul(existing, momentum), tf.mul(grad, 1 - dampening));
        existing.assign(buffer);
      }
      grad = nesterov ? tf.add(grad, tf.mul(buffer, momentum)) : buffer;
    }
    variable.assign(tf.sub(variable, tf.mul(grad, learningRate)));
  }
}
