/**
 * Gradient definitions for tfjs-core kernels.
 *
 * Why peftjs registers gradients itself: tfjs-core 4.22 keeps its gradients in
 * `dist/register_all_gradients.js`, an unbundled ES module with extensionless
 * relative imports. Its Node bundle (`tf-core.node.js`, what `require` and Node
 * ESM load) does not contain them, Node cannot load that file (ERR_MODULE_NOT_FOUND
 * on './gradients/Abs_grad'), and jest cannot either (ESM in node_modules). Only the
 * `@tensorflow/tfjs` union package bundles them. With tfjs-core alone, `tf.grad`
 * of anything fails with "gradient function not found for Sum".
 *
 * These are written against the public tfjs-core API from the calculus, and each
 * is built from differentiable ops so gradients of gradients work (MAML).
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
 * Registers every gradient above that is not registered yet (so one registered
 * by `@tensorflow/tfjs`, when the app loads it, is kept). Idempotent.
 * Returns the kernel names it registered.
 */
export function registerGradients(): string[] {
  const added: string[] = [];
  for (const config of TRAINING_GRADIENTS) {
    if (tf.getGradient(config.kernelName) == null) {
      tf.registerGradient(config);
      added.push(config.kernelName);
    }
  }
  return added;
}
