/**
 * A bias-free linear layer whose weight is another module's parameter: GPT-2's
 * `lm_head`, tied to the token embedding `wte` ([vocab, hidden], which is
 * already Linear's [out, in] layout). The tie is one Parameter registered in two
 * places, so it is counted, trained and saved once, at its first path.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { linear, Module, type Parameter } from '@peftjs/core';

export class TiedLinear extends Module {
  readonly weight: Parameter;

  constructor(weight: Parameter) {
    super();
    this.weight = this.shareParameter('weight', weight);
  }

  override get inFeatures(): number {
    return this.weight.shape[1];
  }

  override get outFeatures(): number {
    return this.weight.shape[0];
  }

  forward(x: tf.Tensor): tf.Tensor {
    return linear(x, this.weight.read());
  }
}
