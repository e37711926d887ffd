/**
 * Zero gradients for piecewise-constant kernels (rounding, sign, comparisons,
 * argmax, one-hot). They often sit on a path from a weight to the loss (a relu
 * mask, a dropout mask, a label built from a prediction) and tfjs would stop
 * with "gradient function not found" without them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { one, zeroGradient } from './util';

/** Output has the input's shape, so dy tells the shape and nothing needs saving. */
const elementwise = (kernelName: string): tf.GradConfig => ({
  kernelName,
  gradFunc: (dy) => ({ x: () => tf.zeros(one(dy).shape) }),
});

const saving = (kernelName: string, inputNames: string[]): tf.GradConfig => ({
  kernelName,
  inputsToSave: inputNames,
  gradFunc: (_dy, saved) => Object.fromEntries(inputNames.map((name, i) => [name, () => zeroGradient(saved[i])])),
});

export const nonDifferentiableGradients: tf.GradConfig[] = [
  ...[tf.Sign, tf.Floor, tf.Ceil, tf.Round, tf.Step, tf.IsNan, tf.IsInf, tf.IsFinite, tf.LogicalNot, tf.OnesLike, tf.ZerosLike].map(elementwise),
  ...[tf.Greater, tf.GreaterEqual, tf.Less, tf.LessEqual, tf.Equal, tf.NotEqual, tf.LogicalAnd, tf.LogicalOr].map((k) => saving(k, ['a', 'b'])),
  saving(tf.ArgMax, ['x']),
  saving(tf.ArgMin, ['x']),
  saving(tf.OneHot, ['indices']),
];
