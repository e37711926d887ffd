/**
 * Mixed-adapter batches (peft's `adapter_names` argument): one adapter per
 * example, `__base__` for none. The names travel to the LoRA layers through a
 * forward context rather than through every module's input type, so models
 * need no change: `withAdapterNames(names, () => model.call(input))`.
 *
 * The context is process-wide (on globalThis, as core keeps its registry), so
 * that an ESM and a CommonJS copy of this package read the same one.
 */
import { InvalidArgumentError } from '@peftjs/core';

/** The row name that means "no adapter: the base model's output". */
export const BASE_ADAPTER_NAME = '__base__';

/**
 * How a layer computes a mixed batch. `segment`: rows grouped by adapter, one
 * pair of matmuls per group. `gather`: each row's A and B gathered from
 * stacked factors, one pair of batched matmuls for the whole batch. `auto`
 * picks by the number of distinct adapters (see choose.ts).
 */
export type MixedBatchStrategy = 'auto' | 'segment' | 'gather';

export interface MixedBatch {
  readonly adapterNames: readonly string[];
  readonly strategy: MixedBatchStrategy;
}

export interface MixedBatchOptions {
  strategy?: MixedBatchStrategy;
}

const slot = Symbol.for('@peftjs/lora:mixed-batch');
const holder = globalThis as unknown as { [slot]?: MixedBatch };

/** The mixed batch of the forward pass running now, if any. */
export function currentMixedBatch(): MixedBatch | undefined {
  return holder[slot];
}

/**
 * Runs `fn` (a synchronous forward pass) with one adapter name per example of
 * the batch; LoRA layers apply each row's adapter. Restores the previous
 * context afterwards, also on throw.
 */
export function withAdapterNames<T>(adapterNames: readonly string[], fn: () => T, options: MixedBatchOptions = {}): T {
  if (!Array.isArray(adapterNames) || adapterNames.length === 0 || adapterNames.some((name) => typeof name !== 'string')) {
    throw new InvalidArgumentError(`withAdapterNames: expected a non-empty list of adapter names (one per example), found ${JSON.stringify(adapterNames)}`);
  }
  const strategy = options.strategy ?? 'auto';
  if (!['auto', 'segment', 'gather'].includes(strategy)) {
    throw new InvalidArgumentError(`withAdapterNames strategy: expected 'auto', 'segment' or 'gather', found '${strategy}'`);
  }
  const previous = holder[slot];
  holder[slot] = { adapterNames: [...adapterNames], strategy };
  try {
    const result = fn();
    // Layers read the context synchronously; an async forward would run after it is gone.
    if (result instanceof Promise) throw new TypeError('withAdapterNames: the function must be synchronous');
    return result;
  } finally {
    holder[slot] = previous;
  }
}
