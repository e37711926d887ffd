/**
 * Under a Parallel composition the model runs on its input batch replicated
 * once per branch, so its output holds every branch, branch-major: rows
 * [i * batch, (i + 1) * batch) of every output tensor are branch i's. This
 * splits such an output into one output per branch (new tensors; the caller
 * disposes them and the original).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '@peftjs/core';
import { mapTensors } from './state';

export function splitParallelOutput<T>(output: T, branches: number): T[] {
  return Array.from({ length: branches }, (_, branch) =>
    mapTensors(output, (t) => {
      if (t.rank === 0) return t.clone();
      const rows = t.shape[0] / branches;
      if (!Number.isInteger(rows)) throw new ShapeMismatchError(`splitParallelOutput: rows of a ${branches}-branch output`, [null, ...t.shape.slice(1)], t.shape);
      return tf.slice(t, [branch * rows, ...t.shape.slice(1).map(() => 0)], [rows, ...t.shape.slice(1)]);
    }) as T,
  );
}
