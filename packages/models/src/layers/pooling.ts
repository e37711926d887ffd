/** Parameterless image layers of the small CNN, on NHWC inputs like Conv2D. */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@peftjs/core';
import { pair, type Pair } from './conv2d';

/** Max pooling with 'valid' padding; the stride defaults to the window, as in PyTorch and Keras. */
export class MaxPool2D extends Module {
  readonly poolSize: [number, number];
  readonly stride: [number, number];

  constructor(poolSize: Pair, stride?: Pair) {
    super();
    this.poolSize = pair(poolSize, 'MaxPool2D poolSize');
    this.stride = pair(stride ?? poolSize, 'MaxPool2D stride');
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.maxPool(x as tf.Tensor4D, this.poolSize, this.stride, 'valid');
  }
}

/** [batch, ...] -> [batch, product]. On NHWC inputs the order is (h, w, c), as Keras' Flatten. */
export class Flatten extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [x.shape[0], -1]);
  }
}
