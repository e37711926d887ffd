/** Gradients of the unary math kernels: dx = dy * f'(x), each built from differentiable ops. */
import * as tf from '@tensorflow/tfjs-core';
import { one } from './util';

type Derivative = (x: tf.Tensor) => tf.Tensor;

/**
 * dx = dy * f'(x), with f' computed from the input x, never from the saved
 * output: tfjs' tape does not link a saved output back to the input, so a
 * derivative written in terms of y = f(x) (tanh' = 1 - y², exp' = y) loses its
 * own derivative, and second-order gradients (MAML) silently drop that term.
 */
function unary(kernelName: string, derivative: Derivative): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(one(dy), derivative(tf.cast(x, 'float32'))) }),
  };
}

const c = (value: number) => tf.scalar(value);
const oneMinusSquare = (t: tf.Tensor) => tf.sub(c(1), tf.square(t));

export const elementwiseGradients: tf.GradConfig[] = [
  { kernelName: tf.Neg, gradFunc: (dy) => ({ x: () => tf.neg(one(dy)) }) },
  unary(tf.Abs, (x) => tf.sign(x)),
  unary(tf.Exp, (x) => tf.exp(x)),
  unary(tf.Expm1, (x) => tf.exp(x)),
  unary(tf.Log, (x) => tf.reciprocal(x)),
  unary(tf.Log1p, (x) => tf.reciprocal(tf.add(x, c(1)))),
  unary(tf.Sqrt, (x) => tf.div(c(0.5), tf.sqrt(x))),
  unary(tf.Rsqrt, (x) => tf.div(c(-0.5), tf.mul(x, tf.sqrt(x)))),
  unary(tf.Square, (x) => tf.mul(x, c(2))),
  unary(tf.Reciprocal, (x) => tf.neg(tf.reciprocal(tf.square(x)))),
  unary(tf.Erf, (x) => tf.mul(c(2 / Math.sqrt(Math.PI)), tf.exp(tf.neg(tf.square(x))))),
  unary(tf.Tanh, (x) => oneMinusSquare(tf.tanh(x))),
  unary(tf.Sigmoid, (x) => {
    const s = tf.sigmoid(x);
    return tf.mul(s, tf.sub(c(1), s));
  }),
  unary(tf.Softplus, (x) => tf.sigmoid(x)),
  unary(tf.Sin, (x) => tf.cos(x)),
  unary(tf.Cos, (x) => tf.neg(tf.sin(x))),
  unary(tf.Tan, (x) => tf.reciprocal(tf.square(tf.cos(x)))),
  unary(tf.Sinh, (x) => tf.cosh(x)),
  unary(tf.Cosh, (x) => tf.sinh(x)),
  unary(tf.Asin, (x) => tf.rsqrt(oneMinusSquare(x))),
  unary(tf.Acos, (x) => tf.neg(tf.rsqrt(oneMinusSquare(x)))),
  unary(tf.Atan, (x) => tf.reciprocal(tf.add(tf.square(x), c(1)))),
  unary(tf.Asinh, (x) => tf.rsqrt(tf.add(tf.square(x), c(1)))),
  unary(tf.Acosh, (x) => tf.rsqrt(tf.sub(tf.square(x), c(1)))),
  unary(tf.Atanh, (x) => tf.reciprocal(oneMinusSquare(x))),
];
