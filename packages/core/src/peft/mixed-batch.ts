/**
 * Mixed-adapter batches (peft's `adapter_names` argument): one adapter per
 * example, `__base__` for none. The names travel to the layers through a
 * forward context rather than through every module's input type, so models
 * need no change: `withAdapterNames(names, () => model.call(input))`.
 *
 * Core holds the context so that every adapter layer can follow it: a method's
 * layers (LoRA's) and core's own ModulesToSaveWrapper, which sends each row
 * through its adapter's copy of the module (a per-task classification head,
 * say). The context lives on globalThis, as core's method registry does, so
 * that an ESM and a CommonJS copy of core read the same one.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, NotFoundError, ShapeMismatchError } from '../errors';
import { closestNames } from '../util/closest';
import type { PeftModel } from './peft-model';

/** The row name that means "no adapter: the base model's output". */
export const BASE_ADAPTER_NAME = '__base__';

/**
 * How a layer computes a mixed batch, for layers that can choose. `segment`:
 * rows grouped by adapter, one computation per group. `gather`: each row's
 * weights gathered from stacked per-adapter weights, one batched computation.
 * `auto`: the layer picks.
 */
export type MixedBatchStrategy = 'auto' | 'segment' | 'gather';

export interface MixedBatch {
  readonly adapterNames: readonly string[];
  readonly strategy: MixedBatchStrategy;
}

export interface MixedBatchOptions {
  strategy?: MixedBatchStrategy;
}

const slot = Symbol.for('@peftjs/core:mixed-batch');
const holder = globalThis as unknown as { [slot]?: MixedBatch };

/** The mixed batch of the forward pass running now, if any. */
export function currentMixedBatch(): MixedBatch | undefined {
  return holder[slot];
}

/**
 * Runs `fn` (a synchronous forward pass) with one adapter name per example of
 * the batch; adapter layers apply each row's adapter. Restores the previous
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

/**
 * Segment computation of a mixed batch: rows grouped by `rowGroups[i]`, `run`
 * called once per group (in first-appearance order) with `rowsOf`, which takes
 * that group's rows of any [rows, ...] tensor (x, or a tensor computed from
 * it), and the results put back in row order. Every result must be
 * [groupRows, ...]. With a single group `rowsOf` returns tensors as they are.
 */
export function forwardByRowGroups(x: tf.Tensor, rowGroups: readonly string[], run: (group: string, rowsOf: (t: tf.Tensor) => tf.Tensor) => tf.Tensor): tf.Tensor {
  if (x.rank === 0 || x.shape[0] !== rowGroups.length) {
    throw new ShapeMismatchError(`mixed-adapter batch input (one row per adapter name, ${rowGroups.length} names)`, [rowGroups.length, ...x.shape.slice(1)], x.shape);
  }
  return tf.tidy(() => {
    const groups = [...new Set(rowGroups)];
    if (groups.length === 1) return run(groups[0], (t) => t);
    const order: number[] = [];
    const parts = groups.map((group) => {
      const rows = rowGroups.flatMap((name, i) => (name === group ? [i] : []));
      order.push(...rows);
      const index = tf.tensor1d(rows, 'int32');
      return run(group, (t) => tf.gather(t, index));
    });
    // order[k] is the row of the k-th concatenated output; invert it to read rows back in place.
    const inverse = new Array<number>(order.length);
    order.forEach((row, k) => (inverse[row] = k));
    return tf.gather(tf.concat(parts, 0), inverse);
  });
}
