/**
 * A [rows, dim] table with some rows replaced, as peft's `index_copy`: one
 * gather over the table and the replacement rows stacked under it, so kept
 * rows and replaced rows are copied bit for bit and gradients reach the
 * replacements (gather's gradient is a segment sum, registered on every backend).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface RowReplacement {
  readonly indices: readonly number[];
  /** [indices.length, dim]. */
  readonly values: tf.Tensor;
}

export function replaceRows(table: tf.Tensor, replacements: readonly RowReplacement[]): tf.Tensor {
  return tf.tidy(() => {
    const rows = table.shape[0];
    const selector = new Int32Array(rows);
    for (let i = 0; i < rows; i++) selector[i] = i;
    let offset = rows;
    for (const { indices } of replacements) {
      indices.forEach((row, j) => (selector[row] = offset + j));
      offset += indices.length;
    }
    const stacked = tf.concat([table, ...replacements.map((r) => r.values)], 0);
    return tf.gather(stacked, tf.tensor1d(selector, 'int32'));
  });
}
