/** Inverted dropout: active only in training mode, seeded from the module generator. */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors';
import { brandClass } from '../../util/brand';
import { Module } from '../module';
import { defaultGenerator, type Generator } from '../random';

export class Dropout extends Module {
  static {
    brandClass(this, 'core', 'Dropout');
  }

  constructor(
    readonly rate: number,
    private readonly rng?: Generator,
  ) {
    super();
    if (!(rate >= 0 && rate < 1)) throw new InvalidArgumentError(`Dropout rate: expected a number in [0, 1), found ${rate}`);
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.rate === 0) return x;
    const seed = (this.rng ?? defaultGenerator()).nextSeed();
    return tf.tidy(() => {
      const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', seed), this.rate), x.dtype);
      return tf.mul(x, tf.div(keep, 1 - this.rate));
    });
  }
}
