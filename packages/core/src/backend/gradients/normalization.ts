/**
 * Gradient of FusedBatchNorm, y = (x - mean) * rsqrt(variance + eps) * scale + offset.
 * All five inputs get gradients: batch norm in training mode and layer norm feed
 * computed moments in (tf.moments), not constants.
 *
 * The kernels (cpu and wasm alike) do not broadcast the statistics NumPy-style:
 * they read them cyclically over x's flat values, x[i] with p[i % p.size]. That
 * is broadcasting when p is per channel ([C], [1, 1, C], ...) or has x's size,
 * and something else otherwise (per-row layer-norm statistics of shape [B, T, 1]
 * against [B, T, C] are NOT applied per row). The gradient follows what the
 * kernel computes, so it is right for whatever the forward did.
 *
 * tf.batchNorm must be given scale and offset to be differentiated at all: with
 * either missing, the tfjs engine itself fails while walking the tape (tape.ts,
 * getFilteredNodesXToY reads `.id` of the undefined input). Pass tf.ones / tf.zeros.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedGradientError } from '../errors';
import { attrsOf, one } from './util';

/** p laid over x the way the kernel reads it. */
function cycled(p: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (x.size % p.size !== 0) {
    throw new UnsupportedGradientError(tf.FusedBatchNorm, `with a statistic of ${p.size} values, which does not tile x of ${x.size} values: expected a size that divides x's`);
  }
  if (p.size === x.size) return tf.reshape(p, x.shape);
  if (p.size === x.shape[x.rank - 1]) return tf.reshape(p, [p.size]); // per channel: plain broadcasting, no copy
  return tf.reshape(tf.tile(tf.reshape(p, [1, p.size]), [x.size / p.size, 1]), x.shape);
}

/** Adjoint of `cycled`: every x position adds its gradient to the statistic entry it read. */
function uncycled(g: tf.Tensor, p: tf.Tensor): tf.Tensor {
  return tf.reshape(tf.sum(tf.reshape(g, [-1, p.size]), 0), p.shape);
}

export const normalizationGradients: tf.GradConfig[] = [
  {
    kernelName: tf.FusedBatchNorm,
    inputsToSave: ['x', 'mean', 'variance', 'scale', 'offset'],
    gradFunc: (dy, [x, mean, variance, scale, offset], attrs) => {
      const { varianceEpsilon } = attrsOf<tf.FusedBatchNormAttrs>(attrs);
      const g = one(dy);
      const invStd = () => tf.rsqrt(tf.add(cycled(variance, x), tf.scalar(varianceEpsilon)));
      const centered = () => tf.sub(x, cycled(mean, x));
      const gScaled = () => tf.mul(g, cycled(scale, x));
      return {
        x: () => tf.mul(gScaled(), invStd()),
        mean: () => uncycled(tf.neg(tf.mul(gScaled(), invStd())), mean),
        variance: () => uncycled(tf.mul(tf.mul(gScaled(), centered()), tf.mul(tf.scalar(-0.5), tf.pow(invStd(), tf.scalar(3)))), variance),
        scale: () => uncycled(tf.mul(g, tf.mul(centered(), invStd())), scale),
        offset: () => uncycled(g, offset),
      };
    },
  },
];
