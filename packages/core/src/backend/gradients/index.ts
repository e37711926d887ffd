/**
 * Gradient definitions for tfjs-core kernels, written from the calculus against
 * the public tfjs-core API, each built from differentiable ops so that gradients
 * of gradients work (second-order MAML).
 *
 * tfjs-core registers no gradients by itself; src/register-gradients.ts bundles
 * tfjs-core's own set. Ours replace it for every kernel defined here, because
 * testing that set on the model zoo against finite differences (training-ops
 * and second-order tests) found it wrong or missing for training:
 * - BatchMatMul: no sum over broadcast batch axes, so x[B, T, d] @ W[d, k] gives
 *   W a [B, d, k] gradient and backprop throws (every transformer layer);
 * - SquaredDifference: no sum over broadcast axes (throws);
 * - Cumsum with axis 0: gradient of the wrong shape (throws);
 * - MirrorPad: wrong values; AvgPool with 'same' padding: wrong border values
 *   (the AvgPoolGrad kernels divide by the full window, see pooling.ts);
 * - FusedBatchNorm: fails unless every statistic has the same size;
 * - none at all for StridedSlice, GatherNd, ScatterNd, the comparison and
 *   logical ops on a gradient path, and the backprop kernels' own gradients
 *   (Conv2DBackpropFilter, DepthwiseConv2dNativeBackprop*, AvgPoolGrad).
 * Kernels not defined here keep tfjs-core's gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activationGradients } from './activations';
import { arithmeticGradients } from './arithmetic';
import { convolutionGradients } from './convolution';
import { elementwiseGradients } from './elementwise';
import { indexingGradients } from './indexing';
import { matMulGradient } from './matmul';
import { nonDifferentiableGradients } from './non-differentiable';
import { normalizationGradients } from './normalization';
import { poolingGradients } from './pooling';
import { reductionGradients } from './reductions';
import { shapeGradients } from './shape';
import { stridedSliceGradient } from './strided-slice';

export const TRAINING_GRADIENTS: readonly tf.GradConfig[] = [
  ...arithmeticGradients,
  ...elementwiseGradients,
  ...activationGradients,
  ...reductionGradients,
  ...shapeGradients,
  stridedSliceGradient,
  ...indexingGradients,
  matMulGradient,
  ...convolutionGradients,
  ...poolingGradients,
  ...normalizationGradients,
  ...nonDifferentiableGradients,
];

/**
 * Registers every gradient above, in place of any registered before (tfjs-core's,
 * or @tensorflow/tfjs's when an app loads it). Idempotent. Returns the kernel
 * names it (re)registered.
 */
export function registerGradients(): string[] {
  const changed: string[] = [];
  for (const config of TRAINING_GRADIENTS) {
    const current = tf.getGradient(config.kernelName);
    if (current === config) continue;
    // Unregister first: registerGradient warns when it overwrites (in DEBUG mode).
    if (current != null) tf.unregisterGradient(config.kernelName);
    tf.registerGradient(config);
    changed.push(config.kernelName);
  }
  return changed;
}
