/**
 * `addWeightedAdapter`: a new adapter made from weighted existing ones (peft's
 * `add_weighted_adapter`), without training.
 *
 * - `cat`: A and B of all adapters stacked, rank the sum of ranks; the update
 *   is exactly sum_i w_i ΔW_i.
 * - `linear`, `ties`, `dare_linear`, `dare_ties`, `magnitude_prune`: A and B
 *   combined separately, each adapter weighted by sqrt(w_i s_i) (the sign of a
 *   negative weight on A); all adapters must share a rank. For one adapter the
 *   update is w ΔW; for several it is the product of the combined factors,
 *   cross terms included, as in peft.
 * - `svd` and `<method>_svd`: the ΔW_i combined, then truncated by SVD to
 *   `svdRank` (default: the largest rank).
 *
 * The new adapter has scaling 1, is added inactive, and is checked before
 * anything changes; if computing it fails, it is removed again.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Generator, ModulesToSaveWrapper } from '@peftjs/core';
import { isLoraLayer } from '../layer/lora-layer';
import { combineLayer } from './layer-factors';
import { planCombination, type AddWeightedAdapterOptions, type AnyPeftModel, type Combination } from './plan';

export { COMBINATIONS, type AddWeightedAdapterOptions, type Combination } from './plan';

export function addWeightedAdapter(
  model: AnyPeftModel,
  adapters: readonly string[],
  weights: readonly number[],
  newName: string,
  combination: Combination = 'svd',
  options: AddWeightedAdapterOptions = {},
): void {
  const plan = planCombination(model, adapters, weights, newName, combination, options);
  model.addAdapter(newName, plan.config);
  try {
    const rng = new Generator(options.seed ?? 0);
    for (const layer of model.adapterLayers().filter(isLoraLayer)) {
      if (!layer.hasAdapter(newName)) continue;
      const { a, b } = combineLayer(layer, plan, rng, options);
      const scaling = layer.adapterSettings(newName).scaling;
      tf.tidy(() => layer.setFactors(newName, tf.div(a, scaling) as tf.Tensor2D, b));
      tf.dispose([a, b]);
    }
    copyTaskHeads(model, adapters, newName);
  } catch (error) {
    model.deleteAdapter(newName);
    throw error;
  }
}

/** The new adapter's copy of a saved module (a classifier head) starts as the one source adapter's copy. */
function copyTaskHeads(model: AnyPeftModel, adapters: readonly string[], newName: string): void {
  for (const wrapper of model.adapterLayers().filter((l): l is ModulesToSaveWrapper => l instanceof ModulesToSaveWrapper)) {
    const source = adapters.find((name) => wrapper.hasAdapter(name));
    if (source === undefined || !wrapper.hasAdapter(newName)) continue;
    const from = wrapper.copies.get(source).parameters();
    wrapper.copies.get(newName).parameters().forEach((parameter, i) => parameter.assign(from[i].variable));
  }
}
