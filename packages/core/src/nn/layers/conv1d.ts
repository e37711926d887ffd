/**
 * GPT-2's "Conv1D": a linear layer whose weight is stored transposed, [in, out]
 * (y = x W + b), exactly as Hugging Face's `transformers.pytorch_utils.Conv1D`
 * stores it. Keeping that layout makes GPT-2 checkpoints load without copies and
 * is what peft's `fan_in_fan_out: true` refers to.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError } from '../../errors';
import { brandClass } from '../../util/brand';
import * as init from '../init';
import { Module } from '../module';
import type { Parameter } from '../parameter';
import type { Generator } from '../random';

export interface Conv1DOptions {
  rng?: Generator;
  /** Standard deviation of the normal weight initialisation (GPT-2: 0.02). */
  initStd?: number;
}

export class Conv1D extends Module {
  static {
    brandClass(this, 'core', 'Conv1D');
  }

  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(
    private readonly inSize: number,
    private readonly outSize: number,
    options: Conv1DOptions = {},
  ) {
    super();
    for (const [what, n] of [['inFeatures', inSize], ['outFeatures', outSize]] as const) {
      if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`Conv1D ${what}: expected a positive integer, found ${n}`);
    }
    this.weight = this.addParameter('weight', init.normal([inSize, outSize], 0, options.initStd ?? 0.02, options.rng));
    this.bias = this.addParameter('bias', init.zeros([outSize]));
  }

  override get inFeatures(): number {
    return this.inSize;
  }

  override get outFeatures(): number {
    return this.outSize;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return conv1d(x, this.weight.read(), this.bias.read());
  }
}

/** The functional form: x [..., in] times W [in, out], plus b [out]. */
export function conv1d(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const [inSize, outSize] = weight.shape as number[];
  if (x.shape[x.rank - 1] !== inSize) {
    throw new ShapeMismatchError('Conv1D input', [...x.shape.slice(0, -1), inSize], x.shape);
  }
  return tf.tidy(() => {
    const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inSize]);
    let y = tf.matMul(flat, weight);
    if (bias !== undefined) y = tf.add(y, bias);
    return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), outSize]);
  });
}
