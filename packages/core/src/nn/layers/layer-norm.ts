/** Layer normalisation over the last axis, with PyTorch's eps default and affine parameters. */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError } from '../../errors';
import { brandClass } from '../../util/brand';
import { ones, zeros } from '../init';
import { Module } from '../module';
import type { Parameter } from '../parameter';

export interface LayerNormOptions {
  eps?: number;
  elementwiseAffine?: boolean;
}

export class LayerNorm extends Module {
  static {
    brandClass(this, 'core', 'LayerNorm');
  }

  readonly weight: Parameter | undefined;
  readonly bias: Parameter | undefined;
  readonly eps: number;

  constructor(
    readonly normalizedSize: number,
    options: LayerNormOptions = {},
  ) {
    super();
    if (!Number.isInteger(normalizedSize) || normalizedSize <= 0) {
      throw new InvalidArgumentError(`LayerNorm size: expected a positive integer, found ${normalizedSize}`);
    }
    this.eps = options.eps ?? 1e-5;
    if (options.elementwiseAffine ?? true) {
      this.weight = this.addParameter('weight', ones([normalizedSize]));
      this.bias = this.addParameter('bias', zeros([normalizedSize]));
    }
  }

  override get inFeatures(): number {
    return this.normalizedSize;
  }

  override get outFeatures(): number {
    return this.normalizedSize;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.normalizedSize) {
      throw new ShapeMismatchError('LayerNorm input', [...x.shape.slice(0, -1), this.normalizedSize], x.shape);
    }
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      if (this.weight && this.bias) y = tf.add(tf.mul(y, this.weight.read()), this.bias.read());
      return y;
    });
  }
}
