/**
 * peft's random starts. `true` (the default): A Kaiming-uniform as PyTorch
 * initialises a Linear, B zero, so training starts at the base model.
 * `gaussian`: A normal with std 1/r, B zero. `false`: both random (B A != 0),
 * for debugging, as peft leaves the layers' own initialisation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { init } from '@peftjs/core';
import type { InitTarget, LoraInitScheme } from './scheme';

const embeddingDefault = (t: InitTarget, rng: Parameters<LoraInitScheme['initialize']>[1]) => ({
  a: tf.zeros([t.r, t.fanIn]) as tf.Tensor2D,
  b: init.normal([t.out, t.r], 0, 1, rng) as tf.Tensor2D,
});

export const kaimingInit: LoraInitScheme = {
  name: 'default',
  rewritesBaseWeight: false,
  initialize(t, rng) {
    if (t.style === 'embedding') return embeddingDefault(t, rng);
    return { a: init.kaimingUniform([t.r, t.fanIn], t.fanIn, rng) as tf.Tensor2D, b: tf.zeros([t.out, t.r]) as tf.Tensor2D };
  },
};

export const gaussianInit: LoraInitScheme = {
  name: 'gaussian',
  rewritesBaseWeight: false,
  initialize(t, rng) {
    // peft applies 'gaussian' to A of projections only; embeddings keep their default.
    if (t.style === 'embedding') return embeddingDefault(t, rng);
    return { a: init.normal([t.r, t.fanIn], 0, 1 / t.r, rng) as tf.Tensor2D, b: tf.zeros([t.out, t.r]) as tf.Tensor2D };
  },
};

export const randomInit: LoraInitScheme = {
  name: 'random',
  rewritesBaseWeight: false,
  initialize(t, rng) {
    if (t.style === 'embedding') return { a: init.normal([t.r, t.fanIn], 0, 1, rng) as tf.Tensor2D, b: init.normal([t.out, t.r], 0, 1, rng) as tf.Tensor2D };
    return { a: init.kaimingUniform([t.r, t.fanIn], t.fanIn, rng) as tf.Tensor2D, b: init.kaimingUniform([t.out, t.r], t.r, rng) as tf.Tensor2D };
  },
};
