/**
 * Gather strategy: every row gets its own A and B, gathered from the stacked
 * factors of the batch's adapters, and one pair of batched matmuls computes
 * all rows' updates: x_i A_iᵀ B_iᵀ. The op count does not grow with the number
 * of adapters, so it suits batches with many. Ranks differ between adapters:
 * factors are zero-padded to the largest rank, which leaves B A unchanged, and
 * each B is pre-multiplied by its adapter's scaling. Slot 0 holds zeros, for
 * rows of the base model.
 *
 * Plain LoRA on linear layers only (see choose.ts): DoRA's update is not B A x.
 */
import * as tf from '@tensorflow/tfjs-core';
import { matMul } from '@peftjs/core';
import type { LoraLayer } from '../layer/lora-layer';

export function gatherForward(layer: LoraLayer, x: tf.Tensor, rowAdapters: readonly string[], adapters: readonly string[]): tf.Tensor {
  return tf.tidy(() => {
    const base = layer.baseLayer.call(x);
    const { fanIn, outUnits } = layer;
    const rank = Math.max(...adapters.map((adapter) => layer.adapterSettings(adapter).r));
    const aStack: tf.Tensor[] = [tf.zeros([rank, fanIn])];
    const bStack: tf.Tensor[] = [tf.zeros([outUnits, rank])];
    for (const adapter of adapters) {
      const { r, scaling } = layer.adapterSettings(adapter);
      const { a, b } = layer.factorMatrices(adapter);
      aStack.push(r < rank ? tf.pad(a, [[0, rank - r], [0, 0]]) : a);
      bStack.push(tf.mul(r < rank ? tf.pad(b, [[0, 0], [0, rank - r]]) : b, scaling));
    }
    const slotOf = new Map(adapters.map((adapter, i) => [adapter, i + 1]));
    const slots = tf.tensor1d(rowAdapters.map((adapter) => slotOf.get(adapter) ?? 0), 'int32');
    const rows = x.shape[0];
    const perRow = tf.reshape(x, [rows, x.size / (rows * fanIn), fanIn]);
    const hidden = matMul(perRow, tf.gather(tf.stack(aStack), slots), false, true); // [rows, tokens, rank]
    const update = matMul(hidden, tf.gather(tf.stack(bStack), slots), false, true); // [rows, tokens, out]
    return tf.add(base, tf.reshape(update, base.shape));
  });
}
