/**
 * Segment strategy: rows grouped by adapter, each group through its adapter
 * (one pair of matmuls per group), the pieces put back in row order. Works
 * for every layer type and variant; costs a few ops per distinct adapter, so
 * it suits batches with few adapters.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LoraLayer } from '../layer/lora-layer';
import { BASE_ADAPTER_NAME } from './context';

/** `rowAdapters[i]` is row i's adapter, or BASE_ADAPTER_NAME. */
export function segmentForward(layer: LoraLayer, x: tf.Tensor, rowAdapters: readonly string[]): tf.Tensor {
  return tf.tidy(() => {
    const base = layer.baseLayer.call(x);
    const groups = new Map<string, number[]>();
    rowAdapters.forEach((adapter, row) => groups.set(adapter, [...(groups.get(adapter) ?? []), row]));
    const apply = (adapter: string, input: tf.Tensor, baseRows: tf.Tensor) =>
      adapter === BASE_ADAPTER_NAME ? baseRows : layer.adapterSettings(adapter).variant.forward(layer, adapter, input, baseRows, baseRows);
    if (groups.size === 1) return apply(rowAdapters[0], x, base);
    const order: number[] = [];
    const pieces: tf.Tensor[] = [];
    for (const [adapter, rows] of groups) {
      const index = tf.tensor1d(rows, 'int32');
      pieces.push(apply(adapter, adapter === BASE_ADAPTER_NAME ? x : tf.gather(x, index), tf.gather(base, index)));
      order.push(...rows);
    }
    const inverse = new Int32Array(order.length);
    order.forEach((row, position) => (inverse[row] = position));
    return tf.gather(tf.concat(pieces, 0), tf.tensor1d(inverse, 'int32'));
  });
}
