/**
 * Segment strategy: rows grouped by adapter, each group through its adapter
 * (one pair of matmuls per group), the pieces put back in row order. Works
 * for every layer type and variant; costs a few ops per distinct adapter, so
 * it suits batches with few adapters.
 */
import * as tf from '@tensorflow/tfjs-core';
import { forwardByRowGroups } from '@peftjs/core';
import type { LoraLayer } from '../layer/lora-layer';
import { BASE_ADAPTER_NAME } from './context';

/** `rowAdapters[i]` is row i's adapter, or BASE_ADAPTER_NAME. */
export function segmentForward(layer: LoraLayer, x: tf.Tensor, rowAdapters: readonly string[]): tf.Tensor {
  return tf.tidy(() => {
    const base = layer.baseLayer.call(x);
    return forwardByRowGroups(x, rowAdapters, (adapter, rowsOf) => {
      const baseRows = rowsOf(base);
      return adapter === BASE_ADAPTER_NAME ? baseRows : layer.adapterSettings(adapter).variant.forward(layer, adapter, rowsOf(x), baseRows, baseRows);
    });
  });
}
