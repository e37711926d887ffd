/**
 * Activation functions by the names Hugging Face configs use (`activation_function`
 * / `hidden_act`), as plain functions and as a parameterless module.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NotFoundError } from '../../errors';
import { brandClass } from '../../util/brand';
import { closestNames } from '../../util/closest';
import { Module } from '../module';

export type ActivationFn = (x: tf.Tensor) => tf.Tensor;

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (GPT-2's `gelu_new`). */
function geluTanh(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.mul(x, tf.mul(x, x)))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

/** GELU, exact form with erf (BERT's `gelu`). */
function geluErf(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

const ACTIVATIONS: Record<string, ActivationFn> = {
  identity: (x) => x,
  linear: (x) => x,
  relu: (x) => tf.relu(x),
  relu6: (x) => tf.relu6(x),
  leaky_relu: (x) => tf.leakyRelu(x, 0.01),
  gelu: geluErf,
  gelu_new: geluTanh,
  gelu_pytorch_tanh: geluTanh,
  gelu_fast: geluTanh,
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  silu: (x) => tf.tidy(() => tf.mul(x, tf.sigmoid(x))),
  swish: (x) => tf.tidy(() => tf.mul(x, tf.sigmoid(x))),
  elu: (x) => tf.elu(x),
  softplus: (x) => tf.softplus(x),
};

export type ActivationName = keyof typeof ACTIVATIONS;

export function activationNames(): string[] {
  return Object.keys(ACTIVATIONS);
}

/** The activation function for a Hugging Face name, or a typed error listing the close ones. */
export function getActivation(name: string): ActivationFn {
  const fn = ACTIVATIONS[name];
  if (fn === undefined) {
    throw new NotFoundError(`unknown activation '${name}'`, closestNames(name, activationNames()));
  }
  return fn;
}

export class Activation extends Module {
  static {
    brandClass(this, 'core', 'Activation');
  }

  private readonly fn: ActivationFn;

  constructor(readonly activationName: string) {
    super();
    this.fn = getActivation(activationName);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.fn(x);
  }
}
