/** A LoRA layer's forward pass over a mixed-adapter batch. */
import type * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '@peftjs/core';
import type { LoraLayer } from '../layer/lora-layer';
import { chooseStrategy } from './choose';
import { BASE_ADAPTER_NAME, type MixedBatch } from './context';
import { gatherForward } from './gather';
import { segmentForward } from './segment';

export function mixedBatchForward(layer: LoraLayer, x: tf.Tensor, batch: MixedBatch): tf.Tensor {
  const names = batch.adapterNames;
  if (x.shape[0] !== names.length) {
    throw new ShapeMismatchError(`mixed-adapter batch (${names.length} adapter names) input`, [names.length, ...x.shape.slice(1)], x.shape);
  }
  // A name this layer does not hold is the base here: another layer may hold it (different target modules).
  const rowAdapters = names.map((name) => (layer.hasAdapter(name) ? name : BASE_ADAPTER_NAME));
  const adapters = [...new Set(rowAdapters)].filter((name) => name !== BASE_ADAPTER_NAME);
  if (adapters.length === 0) return layer.baseLayer.call(x);
  return chooseStrategy(layer, adapters, batch.strategy) === 'gather'
    ? gatherForward(layer, x, rowAdapters, adapters)
    : segmentForward(layer, x, rowAdapters);
}
