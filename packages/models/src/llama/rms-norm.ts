/**
 * Root-mean-square layer norm (Zhang and Sennrich, 2019) as the Llama family
 * has it: x / sqrt(mean(x^2) + eps), times `weight` — or, for Gemma, times
 * (1 + weight), with the weight starting at 0 so the norm starts as identity.
 * No bias and no mean subtraction. tfjs computes in float32, which is what
 * transformers upcasts to.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Module, ShapeMismatchError, init, type Parameter } from '@peftjs/core';

export class RMSNorm extends Module {
  readonly weight: Parameter;

  constructor(
    readonly size: number,
    readonly eps: number,
    /** 1: multiply by (1 + weight) (Gemma). */
    readonly weightOffset: 0 | 1 = 0,
  ) {
    super();
    if (!Number.isInteger(size) || size <= 0) throw new InvalidArgumentError(`RMSNorm size: expected a positive integer, found ${size}`);
    this.weight = this.addParameter('weight', weightOffset === 1 ? init.zeros([size]) : init.ones([size]));
  }

  override get inFeatures(): number {
    return this.size;
  }

  override get outFeatures(): number {
    return this.size;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.size) throw new ShapeMismatchError('RMSNorm input', [...x.shape.slice(0, -1), this.size], x.shape);
    return tf.tidy(() => {
      const normalized = tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), this.eps)));
      const scale = this.weightOffset === 1 ? tf.add(this.weight.read(), 1) : this.weight.read();
      return tf.mul(normalized, scale);
    });
  }
}
