/**
 * How a composition reaches the adapter layers. Core's PeftModel keeps a list of
 * active adapter names and hands it to every layer; a composition is more than
 * a list, so this package keeps it beside core, one state per wrapped model,
 * shared by all of this package's layers in that model:
 *
 * - `setActive` stores the composition with the names it activated in core;
 * - every layer reports the names core last activated (`noteActive`);
 * - the composition is in force while core's active list is still exactly the
 *   one `setActive` gave it (same names, same order). Activating another list
 *   with core's `setAdapter` (or deleting one of its adapters) falls back to
 *   core's meaning: the active adapters stacked in order.
 *
 * The state lives on globalThis (as core's registry does), so an ESM and a
 * CommonJS copy of this package in one process share it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AnyModule } from '@peftjs/core';
import { parallelChannels, type CompositionBlock } from './blocks';

export class CompositionState {
  private requested: readonly string[] = [];
  private composition: CompositionBlock | undefined;
  private compositionNames: readonly string[] = [];
  private replicating = false;
  private pass = 0;

  /** Called by layers with the names core activated. */
  noteActive(names: readonly string[]): void {
    this.requested = [...names];
  }

  /** The adapters core activated last. */
  get activeNames(): readonly string[] {
    return this.requested;
  }

  set(composition: CompositionBlock | undefined, activatedNames: readonly string[]): void {
    this.composition = composition;
    this.compositionNames = [...activatedNames];
  }

  /**
   * Counts forward passes of the PeftModel (bumped by the forward transform),
   * so that a tensor a layer recorded in an earlier pass is never read as this one's.
   */
  get passId(): number {
    return this.pass;
  }

  /** The composition in force, or undefined (then the active adapters are stacked). */
  current(): CompositionBlock | undefined {
    if (this.composition === undefined) return undefined;
    const same = this.requested.length === this.compositionNames.length && this.requested.every((name, i) => this.compositionNames[i] === name);
    return same ? this.composition : undefined;
  }

  /**
   * The forward transform of bottleneck adapters: under a Parallel composition,
   * runs the model on the input batch replicated once per branch. Every active
   * bottleneck adapter installs it; the outermost replicates, the rest pass through.
   */
  runReplicated(input: unknown, next: (input: unknown) => unknown): unknown {
    if (!this.replicating) this.pass++;
    const composition = this.current();
    const channels = composition === undefined ? 1 : parallelChannels(composition);
    if (channels <= 1 || this.replicating) return next(input);
    this.replicating = true;
    const created: tf.Tensor[] = [];
    try {
      const replicated = mapTensors(input, (t) => {
        if (t.rank === 0) return t;
        const copy = tf.concat(Array.from({ length: channels }, () => t), 0);
        created.push(copy);
        return copy;
      });
      const output = next(replicated);
      // The replicas are the model's inputs, not its outputs: free them unless the model returned one.
      const kept = new Set(tensorsIn(output));
      tf.dispose(created.filter((t) => !kept.has(t)));
      return output;
    } catch (error) {
      tf.dispose(created);
      throw error;
    } finally {
      this.replicating = false;
    }
  }
}

const slot = Symbol.for('@peftjs/adapters:composition-states');
const holder = globalThis as unknown as { [slot]?: WeakMap<object, CompositionState> };

/** The composition state of a wrapped model (PeftModel.baseModel), created on first use. */
export function compositionState(model: AnyModule): CompositionState {
  holder[slot] ??= new WeakMap();
  let state = holder[slot].get(model);
  if (state === undefined) {
    state = new CompositionState();
    holder[slot].set(model, state);
  }
  return state;
}

/** A copy of a plain object or array with every tensor in it mapped; other values kept. */
export function mapTensors(value: unknown, fn: (t: tf.Tensor) => tf.Tensor): unknown {
  if (value instanceof tf.Tensor) return fn(value);
  if (Array.isArray(value)) return value.map((item) => mapTensors(item, fn));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapTensors(item, fn)]));
  return value;
}

export function tensorsIn(value: unknown): tf.Tensor[] {
  if (value instanceof tf.Tensor) return [value];
  if (Array.isArray(value)) return value.flatMap(tensorsIn);
  if (isPlainObject(value)) return Object.values(value).flatMap(tensorsIn);
  return [];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
