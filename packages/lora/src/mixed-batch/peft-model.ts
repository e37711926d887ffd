/** A PeftModel forward pass over a mixed-adapter batch, with the names checked against the model's adapters. */
import { NotFoundError, closestNames, type PeftModel } from '@peftjs/core';
import { BASE_ADAPTER_NAME, withAdapterNames, type MixedBatchOptions } from './context';

/**
 * `model(input)` with row i through adapter `adapterNames[i]` (`__base__`: no
 * adapter). A name the model does not have is a NotFoundError: a typo would
 * otherwise silently give that row the base output.
 */
export function forwardMixedBatch<In, Out>(model: PeftModel<In, Out>, input: In, adapterNames: readonly string[], options?: MixedBatchOptions): Out {
  const known = model.adapterNames;
  for (const name of new Set(adapterNames)) {
    if (name !== BASE_ADAPTER_NAME && !known.includes(name)) {
      throw new NotFoundError(`mixed-adapter batch: no adapter named '${name}' (adapters: ${known.join(', ')}; '${BASE_ADAPTER_NAME}' for none)`, closestNames(name, known));
    }
  }
  return withAdapterNames(adapterNames, () => model.call(input), options);
}
