/**
 * Gradients of kernels that pick values by index. Gathering is linear, so its
 * gradient scatters dy back, adding where an index was picked more than once
 * (an embedding row used twice in a batch gets both gradients).
 */
import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedGradientError } from '../errors';
import { attrsOf, one, zeroGradient } from './util';

/** The gradient of gather along `axis`: transpose the index axes first, segment-sum, transpose back. */
function ungather(dy: tf.Tensor, indices: tf.Tensor, xShape: readonly number[], axis: number): tf.Tensor {
  const indexRank = indices.rank;
  const before = Array.from({ length: axis }, (_, i) => i);
  const indexAxes = Array.from({ length: indexRank }, (_, i) => axis + i);
  const after = Array.from({ length: dy.rank - axis - indexRank }, (_, i) => axis + indexRank + i);
  const indexFirst = tf.transpose(dy, [...indexAxes, ...before, ...after]);
  const rows = tf.reshape(indexFirst, [indices.size, ...xShape.slice(0, axis), ...xShape.slice(axis + 1)]);
  const summed = tf.unsortedSegmentSum(rows, tf.reshape(tf.cast(indices, 'int32'), [indices.size]), xShape[axis]);
  // summed is [n, ...before, ...after]; move n back to `axis`.
  const perm = [...before.map((i) => i + 1), 0, ...after.map((_, i) => axis + 1 + i)];
  return tf.transpose(summed, perm);
}

export const indexingGradients: tf.GradConfig[] = [
  {
    kernelName: tf.GatherV2,
    inputsToSave: ['x', 'indices'],
    gradFunc: (dy, [x, indices], attrs) => {
      const { axis, batchDims } = attrsOf<tf.GatherV2Attrs>(attrs);
      if (batchDims !== 0) {
        throw new UnsupportedGradientError(tf.GatherV2, `with batchDims=${batchDims}: only batchDims=0 is supported`);
      }
      const parsedAxis = tf.util.parseAxisParam(axis, x.shape)[0];
      return { x: () => ungather(one(dy), indices, x.shape, parsedAxis), indices: () => zeroGradient(indices) };
    },
  },
  {
    // Rows with a negative segment id were dropped by the forward pass.
    kernelName: tf.UnsortedSegmentSum,
    inputsToSave: ['segmentIds'],
    gradFunc: (dy, [segmentIds]) => ({
      x: () => {
        const picked = tf.gather(one(dy), tf.maximum(segmentIds, tf.scalar(0, 'int32')));
        const kept = tf.cast(tf.greaterEqual(segmentIds, 0), 'float32');
        const keptShape = [...segmentIds.shape, ...new Array<number>(picked.rank - segmentIds.rank).fill(1)];
        return tf.mul(picked, tf.reshape(kept, keptShape));
      },
      segmentIds: () => zeroGradient(segmentIds),
    }),
  },
  {
    // scatterND adds duplicate indices, as the gradient of gatherND must.
    kernelName: tf.GatherNd,
    inputsToSave: ['params', 'indices'],
    gradFunc: (dy, [params, indices]) => ({
      params: () => tf.scatterND(indices, one(dy), params.shape),
      indices: () => zeroGradient(indices),
    }),
  },
  {
    kernelName: tf.ScatterNd,
    inputsToSave: ['indices'],
    gradFunc: (dy, [indices]) => ({
      updates: () => tf.gatherND(one(dy), indices),
      indices: () => zeroGradient(indices),
    }),
  },
  {
    // where(condition, t, e): a rank-1 condition selects whole rows of t and e.
    kernelName: tf.Select,
    inputsToSave: ['condition'],
    gradFunc: (dy, [condition]) => {
      const g = one(dy);
      const rowCondition = () =>
        condition.rank === 1 && g.rank > 1 ? tf.reshape(condition, [condition.shape[0], ...new Array<number>(g.rank - 1).fill(1)]) : condition;
      return {
        condition: () => zeroGradient(condition),
        t: () => tf.mul(g, tf.cast(rowCondition(), 'float32')),
        e: () => tf.mul(g, tf.cast(tf.logicalNot(rowCondition()), 'float32')),
      };
    },
  },
];
