/**
 * Gradient clipping by global norm, with torch.nn.utils.clip_grad_norm_
 * semantics: the norm is taken over all gradients together (as if
 * concatenated), and when it exceeds maxNorm every gradient is scaled by
 * maxNorm / (norm + 1e-6), so the direction of the update is kept.
 */
import * as tf from '@tensorflow/tfjs-core';
import { positiveNumber } from './check';

/** The p-norm of all tensors together, as a scalar tensor (the caller disposes it). `normType` Infinity gives the largest magnitude. */
export function globalNorm(tensors: readonly tf.Tensor[], normType = 2): tf.Scalar {
  positiveNumber('normType', normType === Infinity ? 1 : normType);
  return tf.tidy(() => {
    if (tensors.length === 0) return tf.scalar(0);
    if (normType === Infinity) return tf.max(tf.stack(tensors.map((t) => tf.max(tf.abs(t))))) as tf.Scalar;
    if (normType === 2) return tf.sqrt(tf.addN(tensors.map((t) => tf.sum(tf.square(t))))) as tf.Scalar;
    return tf.pow(tf.addN(tensors.map((t) => tf.sum(tf.pow(tf.abs(t), normType)))), 1 / normType) as tf.Scalar;
  });
}

/** The factor clip_grad_norm_ multiplies by: min(1, maxNorm / (totalNorm + 1e-6)). */
export function clipCoefficient(totalNorm: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (totalNorm + 1e-6));
}

/**
 * Scales `gradients` to a global norm of at most `maxNorm`, given their norm.
 * Returns new tensors, or the same ones when no scaling is needed (multiplying
 * by 1 would change no bit); the caller owns what is returned either way.
 */
export function scaleToMaxNorm(gradients: readonly tf.Tensor[], maxNorm: number, totalNorm: number): tf.Tensor[] {
  positiveNumber('maxGradNorm', maxNorm);
  const coefficient = clipCoefficient(totalNorm, maxNorm);
  if (coefficient >= 1) return gradients.map((g) => g.clone());
  return gradients.map((g) => tf.mul(g, coefficient));
}

/**
 * torch.nn.utils.clip_grad_norm_ for tfjs, without in-place mutation: returns
 * the clipped gradients (new tensors the caller disposes) and the total norm
 * before clipping. Reads the norm synchronously.
 */
export function clipGradNorm(
  gradients: readonly tf.Tensor[],
  maxNorm: number,
  normType = 2,
): { gradients: tf.Tensor[]; totalNorm: number } {
  const norm = globalNorm(gradients, normType);
  const totalNorm = norm.dataSync()[0];
  norm.dispose();
  return { gradients: scaleToMaxNorm(gradients, maxNorm, totalNorm), totalNorm };
}
