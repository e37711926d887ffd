/**
 * A small convolutional classifier for images in NHWC layout: [Conv2D 'same',
 * activation, MaxPool2D] per entry of `channels`, then Flatten and a Linear
 * classifier. A Sequential, so layers are '0', '1', ...: convolutions at
 * 0, 3, 6, ..., the classifier last.
 */
import { Activation, InvalidArgumentError, Linear, Sequential, type Generator, type Module } from '@peftjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { Conv2D } from '../layers/conv2d';
import { Flatten, MaxPool2D } from '../layers/pooling';

export interface SmallCNNConfig {
  /** [height, width, channels] of one image. */
  readonly inputShape: readonly [number, number, number];
  /** Output channels of each convolution (default [8, 16]). */
  readonly channels?: readonly number[];
  readonly numClasses: number;
  /** Square kernel size (default 3). */
  readonly kernelSize?: number;
  /** Pooling window and stride after each convolution (default 2). */
  readonly poolSize?: number;
  readonly activation?: string;
  readonly rng?: Generator;
}

export class SmallCNN extends Sequential {
  constructor(readonly config: SmallCNNConfig) {
    super(...cnnLayers(config));
  }

  /** Sequential's forward, in a tidy: the intermediate activations are freed. */
  override forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => super.forward(x));
  }
}

function cnnLayers(config: SmallCNNConfig): Array<Module<tf.Tensor, tf.Tensor>> {
  const { inputShape, channels = [8, 16], numClasses, kernelSize = 3, poolSize = 2, activation = 'relu', rng } = config;
  let [height, width, inChannels] = inputShape;
  const layers: Array<Module<tf.Tensor, tf.Tensor>> = [];
  for (const outChannels of channels) {
    layers.push(new Conv2D(inChannels, outChannels, kernelSize, { padding: 'same', rng }), new Activation(activation), new MaxPool2D(poolSize));
    height = Math.floor(height / poolSize);
    width = Math.floor(width / poolSize);
    inChannels = outChannels;
  }
  if (height < 1 || width < 1) {
    throw new InvalidArgumentError(`SmallCNN: ${channels.length} poolings of ${poolSize} shrink a ${inputShape[0]}x${inputShape[1]} image to nothing`);
  }
  layers.push(new Flatten(), new Linear(height * width * inChannels, numClasses, { rng }));
  return layers;
}
