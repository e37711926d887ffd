/**
 * Keras activations by name, computed by tfjs-layers' own Activation layer so
 * that an imported Dense or Conv2D gives bit-for-bit the activation the original
 * layer applied; and the Keras name for each of core's (Hugging Face) names, for export.
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

const activationLayers = new Map<string, tfl.layers.Layer>();

/** Applies the Keras activation `name` ('relu', 'softmax', 'hardSigmoid', ...). */
export function applyKerasActivation(name: string, x: tf.Tensor): tf.Tensor {
  let layer = activationLayers.get(name);
  if (layer === undefined) {
    layer = tfl.layers.activation({ activation: name as never });
    activationLayers.set(name, layer);
  }
  return layer.apply(x) as tf.Tensor;
}

/** Core activation names (Hugging Face's) with the Keras activation that computes the same function. */
export const KERAS_ACTIVATION_OF: Readonly<Record<string, string>> = {
  identity: 'linear',
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  elu: 'elu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  softplus: 'softplus',
  gelu: 'gelu', // tfjs-layers' gelu is the exact (erf) form, as Hugging Face's
  gelu_new: 'gelu_new',
  gelu_pytorch_tanh: 'gelu_new',
  gelu_fast: 'gelu_new',
  silu: 'swish',
  swish: 'swish',
};
