/**
 * Gradients of the activation kernels. At kinks (relu at 0, clip at its bounds)
 * any subgradient is correct; these follow TensorFlow's choices.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attrsOf, mask, one, unbroadcast } from './util';

// Constants of tf.selu (Klambauer et al. 2017).
const SELU_SCALE = 1.0507009873554805;
const SELU_SCALE_ALPHA = 1.7580993408473766;

export const activationGradients: tf.GradConfig[] = [
  {
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(one(dy), mask(tf.greater(x, 0))) }),
  },
  {
    kernelName: tf.Relu6,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(one(dy), mask(tf.logicalAnd(tf.greater(x, 0), tf.less(x, 6)))) }),
  },
  {
    kernelName: tf.LeakyRelu,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const { alpha } = attrsOf<tf.LeakyReluAttrs>(attrs);
      return { x: () => tf.where(tf.greater(x, 0), one(dy), tf.mul(one(dy), tf.scalar(alpha))) };
    },
  },
  {
    kernelName: tf.Elu,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.where(tf.greater(x, 0), one(dy), tf.mul(one(dy), tf.exp(x))) }),
  },
  {
    kernelName: tf.Selu,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => tf.mul(one(dy), tf.where(tf.greater(x, 0), tf.fill(x.shape, SELU_SCALE), tf.mul(tf.scalar(SELU_SCALE_ALPHA), tf.exp(x)))),
    }),
  },
  {
    // prelu(x, alpha) = x > 0 ? x : alpha * x, with alpha broadcast against x.
    kernelName: tf.Prelu,
    inputsToSave: ['x', 'alpha'],
    gradFunc: (dy, [x, alpha]) => {
      const positive = () => tf.greater(x, 0);
      return {
        x: () => tf.where(positive(), one(dy), tf.mul(one(dy), alpha)),
        alpha: () => unbroadcast(tf.where(positive(), tf.zerosLike(one(dy)), tf.mul(one(dy), x)), alpha.shape),
      };
    },
  },
  {
    kernelName: tf.ClipByValue,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const { clipValueMin, clipValueMax } = attrsOf<tf.ClipByValueAttrs>(attrs);
      return { x: () => tf.mul(one(dy), mask(tf.logicalAnd(tf.greaterEqual(x, clipValueMin), tf.lessEqual(x, clipValueMax)))) };
    },
  },
  {
    // dx = y * (dy - sum(dy * y)) along the softmax axis, with y recomputed from
    // the logits: a saved output would drop second-order terms (see elementwise.ts).
    kernelName: tf.Softmax,
    inputsToSave: ['logits'],
    gradFunc: (dy, [logits], attrs) => {
      const { dim } = attrsOf<tf.SoftmaxAttrs>(attrs);
      const y = tf.softmax(logits, dim);
      return { logits: () => tf.mul(y, tf.sub(one(dy), tf.sum(tf.mul(one(dy), y), dim, true))) };
    },
  },
];
