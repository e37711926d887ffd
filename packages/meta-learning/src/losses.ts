/** Losses for the two task families here, written with ops whose gradients are themselves differentiable (second-order MAML). */
import * as tf from '@tensorflow/tfjs-core';

/** Mean squared error (sinusoid regression). */
export function mseLoss(prediction: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(prediction, targets))) as tf.Scalar);
}

/**
 * Mean softmax cross-entropy of logits [n, classes] against integer labels [n].
 * Written out as log-softmax, with exp(u) as expm1(u) + 1: tfjs 4.22 computes
 * the gradient of exp (and so of softmax and logSumExp) from the saved output,
 * a copy its tape does not connect back to the input, so gradients of that
 * gradient (MAML's second-order term) would silently miss it. expm1's gradient
 * is computed from the input and stays differentiable. The max subtracted for
 * stability is held constant (the result does not depend on it), which keeps
 * max's gradient, and its non-differentiable Equal mask, off the tape.
 */
export function crossEntropyLoss(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[logits.rank - 1];
    const shifted = tf.sub(logits, rowMaxAsConstant(logits));
    const sumExp = tf.add(tf.sum(tf.expm1(shifted), -1, true), classes);
    const logProbabilities = tf.sub(shifted, tf.log(sumExp));
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), classes);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logProbabilities), -1))) as tf.Scalar;
  });
}

/** Fraction of rows whose largest logit is the label. */
export function accuracy(logits: tf.Tensor, labels: tf.Tensor): number {
  const correct = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, -1), tf.cast(labels, 'int32')), 'float32')));
  const value = correct.dataSync()[0];
  correct.dispose();
  return value;
}

/** The row-wise max with a zero gradient: computed inside a custom op, so it is not taped. */
const rowMaxAsConstant = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.max(x, -1, true), gradFunc: () => tf.zeros(x.shape) };
}) as (x: tf.Tensor) => tf.Tensor;
