/**
 * Test helpers of @peftjs/lora: backends, small seeded models, numeric checks.
 * Not part of the published package.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Activation, Conv1D, Conv2D, Embedding, Linear, Module, Sequential, manualSeed } from '@peftjs/core';
import '../src/index';
import { useTestBackend, expectClose, expectGradientsMatchFiniteDifferences } from '@peftjs/core/testing';

// Shared with every package's tests: see @peftjs/core/testing.
export { useTestBackend as onBackend, expectClose, expectGradientsMatchFiniteDifferences };

/** A classifier with a body and a head: Linear layers with biases. */
export class Mlp extends Module {
  constructor(inputs = 6, width = 8, outputs = 3) {
    super();
    this.addModule('body', new Sequential(new Linear(inputs, width), new Activation('tanh'), new Linear(width, width), new Activation('tanh')));
    this.addModule('head', new Linear(width, outputs));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.getSubmodule('head').call(this.getSubmodule('body').call(x)) as tf.Tensor);
  }
}

export function makeMlp(seed = 42): Mlp {
  manualSeed(seed);
  return new Mlp();
}

export const mlpInput = () => tf.tensor2d([[0.1, -0.3, 0.5, 0.9, -1, 0.2], [1, 0.2, -0.4, 0.3, 0.5, -0.7], [-0.6, 0.7, 0.1, -0.2, 0.8, 0.4]]);

/** Token ids -> embedding -> tanh -> head. */
export class TokenClassifier extends Module {
  constructor(vocab = 20, width = 8, outputs = 3) {
    super();
    this.addModule('embed', new Embedding(vocab, width));
    this.addModule('act', new Activation('tanh'));
    this.addModule('head', new Linear(width, outputs));
  }

  forward(ids: tf.Tensor): tf.Tensor {
    const sub = (name: string) => this.getSubmodule(name) as Module;
    return tf.tidy(() => sub('head').call(sub('act').call(sub('embed').call(ids))));
  }
}

export function makeTokenClassifier(seed = 7): TokenClassifier {
  manualSeed(seed);
  return new TokenClassifier();
}

export const tokenInput = () => tf.tensor2d([[1, 4, 19, 4], [0, 2, 3, 11], [7, 7, 8, 9]], undefined, 'int32');

/** GPT-2's layout: Conv1D layers (weight [in, out]) with random biases. */
export function makeConv1dNet(seed = 5): Sequential {
  manualSeed(seed);
  const net = new Sequential(new Conv1D(6, 8, { initStd: 0.3 }), new Activation('tanh'), new Conv1D(8, 3, { initStd: 0.3 }));
  for (const [path, p] of net.namedParameters()) if (path.endsWith('bias')) p.assign(tf.tidy(() => tf.randomUniform(p.shape, -0.5, 0.5, 'float32', 9)));
  return net;
}

/**
 * A small CNN on NHWC images: a 'same' conv, a padded (or padded and dilated)
 * conv, a strided conv. tfjs has no gradient for dilated convolutions, so the
 * dilated form is for forward-only tests.
 */
export function makeCnn(seed = 11, dilation = 1): Sequential {
  manualSeed(seed);
  return new Sequential(
    new Conv2D(3, 4, 3, { padding: 'same' }),
    new Activation('tanh'),
    new Conv2D(4, 4, 3, { padding: dilation, dilation }),
    new Activation('tanh'),
    new Conv2D(4, 2, 2, { stride: 2 }),
  );
}

export const imageInput = () => tf.randomUniform([2, 6, 6, 3], -1, 1, 'float32', 4);

/** The output of `model` on a fresh input, as numbers; frees every tensor it made. */
export function outputOf(model: Module, input: () => tf.Tensor): number[] {
  const x = input();
  try {
    return tf.tidy(() => Array.from(model.call(x).dataSync()));
  } finally {
    x.dispose();
  }
}

export function valuesOf(tensor: tf.Tensor): number[] {
  return Array.from(tensor.dataSync());
}
