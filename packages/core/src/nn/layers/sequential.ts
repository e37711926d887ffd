/** Children run in order; they are named '0', '1', ... as in PyTorch. */
import * as tf from '@tensorflow/tfjs-core';
import { brandClass } from '../../util/brand';
import { Module } from '../module';

export class Sequential extends Module {
  static {
    brandClass(this, 'core', 'Sequential');
  }

  constructor(...layers: Array<Module<tf.Tensor, tf.Tensor>>) {
    super();
    layers.forEach((layer, i) => this.addModule(String(i), layer));
  }

  get length(): number {
    return this.namedChildren().length;
  }

  forward(x: tf.Tensor): tf.Tensor {
    // Children are read from the tree on every call, so that
    // setSubmodule('2', wrapped) takes effect here.
    // Tidy, so intermediate activations are freed when called outside a tidy.
    return tf.tidy(() => {
      let y = x;
      for (const [, layer] of this.namedChildren()) y = (layer as Module<tf.Tensor, tf.Tensor>).call(y);
      return y;
    });
  }
}
