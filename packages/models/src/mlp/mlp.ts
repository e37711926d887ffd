/**
 * A multilayer perceptron as a Sequential, so its layers are addressed as in a
 * PyTorch `nn.Sequential`: Linear layers at '0', '2', ... (with dropout: '0', '3', ...).
 */
import { Activation, Dropout, InvalidArgumentError, Linear, Sequential, type Generator, type Module } from '@peftjs/core';
import * as tf from '@tensorflow/tfjs-core';

export interface MLPConfig {
  readonly inputSize: number;
  /** Widths of the hidden layers, first to last; may be empty (a linear model). */
  readonly hiddenSizes: readonly number[];
  readonly outputSize: number;
  /** Between hidden layers; a name `getActivation` knows (default relu). */
  readonly activation?: string;
  /** Dropout after each hidden activation (default 0: none). */
  readonly dropout?: number;
  readonly rng?: Generator;
}

export class MLP extends Sequential {
  constructor(readonly config: MLPConfig) {
    super(...mlpLayers(config));
  }

  /** Sequential's forward, in a tidy: the intermediate activations are freed. */
  override forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => super.forward(x));
  }
}

function mlpLayers(config: MLPConfig): Array<Module<tf.Tensor, tf.Tensor>> {
  const { inputSize, hiddenSizes, outputSize, activation = 'relu', dropout = 0, rng } = config;
  if (!Array.isArray(hiddenSizes)) throw new InvalidArgumentError(`MLP hiddenSizes: expected an array of widths, found ${JSON.stringify(hiddenSizes)}`);
  const layers: Array<Module<tf.Tensor, tf.Tensor>> = [];
  let width = inputSize;
  for (const hidden of hiddenSizes) {
    layers.push(new Linear(width, hidden, { rng }), new Activation(activation));
    if (dropout > 0) layers.push(new Dropout(dropout, rng));
    width = hidden;
  }
  layers.push(new Linear(width, outputSize, { rng }));
  return layers;
}
