/**
 * A mixed-adapter batch (core's withAdapterNames, peft's `adapter_names`):
 * each row runs with its own adapter's tokens, rows of `__base__` or of
 * adapters without tokens here with the plain table, as peft's
 * TrainableTokensWrapper does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdapterStateError, BASE_ADAPTER_NAME, currentMixedBatch, forwardByRowGroups, type MixedBatch } from '@peftjs/core';
import type { TrainableTokensLayer } from './layer';

export function mixedBatchOf(disabled: boolean): MixedBatch | undefined {
  return disabled ? undefined : currentMixedBatch();
}

/** `merged`: the caller's merge state (a merged table would leak its rows into every row). */
export function forwardRowsByAdapter<In, Out>(layer: TrainableTokensLayer<In, Out>, input: In, batch: MixedBatch, merged: boolean): Out {
  if (merged) throw new AdapterStateError('trainable tokens: a mixed-adapter batch needs unmerged adapters; call unmergeAdapter() first');
  if (!(input instanceof tf.Tensor)) throw new AdapterStateError('trainable tokens: a mixed-adapter batch needs a tensor input with one row per adapter name');
  const rowGroups = batch.adapterNames.map((name) => (layer.hasAdapter(name) ? name : BASE_ADAPTER_NAME));
  return forwardByRowGroups(input, rowGroups, (group, rowsOf) => {
    const rows = rowsOf(input) as unknown as In;
    return (group === BASE_ADAPTER_NAME ? layer.baseLayer.call(rows) : layer.runWith(rows, [group])) as unknown as tf.Tensor;
  }) as unknown as Out;
}
