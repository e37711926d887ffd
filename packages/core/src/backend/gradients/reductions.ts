/** Gradients of reductions: the reduced gradient is spread back over the reduced axes. */
import * as tf from '@tensorflow/tfjs-core';
import { attrsOf, mask, one } from './util';

/** `shape` with the reduced `axes` kept as size 1, so dy and y broadcast against x. */
function keptShape(shape: readonly number[], axis: number | number[]): number[] {
  const axes = tf.util.parseAxisParam(axis, [...shape]);
  return shape.map((size, i) => (axes.includes(i) ? 1 : size));
}

function spread(dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor {
  return tf.broadcastTo(tf.reshape(tf.cast(dy, 'float32'), keptShape(x.shape, axis)), x.shape);
}

/** Max and min pass the gradient to every element equal to the extreme (ties each get all of it). */
function extremum(kernelName: string, axisOf: (attrs: tf.NamedAttrMap) => number | number[]): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], attrs) => {
      const axis = axisOf(attrs);
      return { x: () => tf.mul(spread(one(dy), x, axis), mask(tf.equal(x, tf.reshape(y, keptShape(x.shape, axis))))) };
    },
  };
}

export const reductionGradients: tf.GradConfig[] = [
  {
    kernelName: tf.Sum,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({ x: () => spread(one(dy), x, attrsOf<tf.SumAttrs>(attrs).axis) }),
  },
  {
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const { axis } = attrsOf<tf.MeanAttrs>(attrs);
      const count = tf.util.parseAxisParam(axis, x.shape).reduce((n, a) => n * x.shape[a], 1);
      return { x: () => tf.div(spread(one(dy), x, axis), tf.scalar(count)) };
    },
  },
  extremum(tf.Max, (attrs) => attrsOf<tf.MaxAttrs>(attrs).reductionIndices),
  extremum(tf.Min, (attrs) => attrsOf<tf.MinAttrs>(attrs).axis),
  {
    // Each x_j feeds every later (or, reversed, earlier) partial sum: the adjoint
    // of a cumulative sum is the cumulative sum running the other way.
    kernelName: tf.Cumsum,
    gradFunc: (dy, _saved, attrs) => {
      const { axis, exclusive, reverse } = attrsOf<tf.CumsumAttrs>(attrs);
      return { x: () => tf.cumsum(one(dy), axis, exclusive, !reverse) };
    },
  },
];
