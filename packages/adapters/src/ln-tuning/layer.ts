/**
 * peft's LNTuningLayer: a trainable copy of a norm layer per adapter, kept at
 * `ln_tuning_layers.<adapter>` (peft's names, so file keys match), which runs
 * in place of the base layer while its adapter is active. Only one adapter
 * can run at a time, as in peft: each copy is a whole replacement (a
 * mixed-adapter batch runs each row through its own adapter's copy).
 *
 * Merging is peft's swap: the copy's values go into the base layer and the
 * base values into the copy's slot, so unmerging (the same swap) restores the
 * base bit for bit. While merged, the copy's slot holds the base values, as in
 * peft: save after unmerging.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdapterLayer, AdapterStateError, BASE_ADAPTER_NAME, ModuleDict, cloneModule, currentMixedBatch, forwardByRowGroups, type AnyModule, type Module } from '@peftjs/core';
import { warn } from '../util/warn';
import { LN_TUNING } from './config';

export class LNTuningLayer<In = tf.Tensor, Out = tf.Tensor> extends AdapterLayer<In, Out> {
  readonly peftType = LN_TUNING;
  readonly copies: ModuleDict<Module<In, Out>>;

  constructor(base: Module<In, Out>) {
    super(base);
    this.copies = this.addModule('ln_tuning_layers', new ModuleDict<Module<In, Out>>());
  }

  /** Adds a trainable copy of the base layer for `name` (peft's update_layer: a deepcopy). */
  addAdapter(name: string): void {
    const copy = cloneModule(this.baseLayer);
    for (const parameter of copy.parameters()) parameter.trainable = true;
    this.copies.set(name, copy);
  }

  adapterNames(): string[] {
    return this.copies.keys();
  }

  /** A mixed-adapter batch (core's withAdapterNames): each row through its adapter's copy, `__base__` rows through the norm. */
  override forward(input: In): Out {
    const batch = currentMixedBatch();
    if (batch === undefined || this.adaptersDisabled) return super.forward(input);
    if (this.merged) throw new AdapterStateError(`${LN_TUNING}: a mixed-adapter batch needs unmerged adapters; call unmergeAdapter() first`);
    if (!(input instanceof tf.Tensor)) throw new AdapterStateError(`${LN_TUNING}: a mixed-adapter batch needs a tensor input with one row per adapter name`);
    const rowGroups = batch.adapterNames.map((name) => (this.copies.has(name) ? name : BASE_ADAPTER_NAME));
    return forwardByRowGroups(input, rowGroups, (group, rowsOf) => {
      const module = group === BASE_ADAPTER_NAME ? this.baseLayer : this.copies.get(group);
      return module.call(rowsOf(input) as unknown as In) as unknown as tf.Tensor;
    }) as unknown as Out;
  }

  protected forwardWithAdapters(input: In, adapters: readonly string[]): Out {
    if (adapters.length !== 1) {
      throw new AdapterStateError(`${LN_TUNING}: one adapter at a time can replace a norm layer, found ${adapters.length} active (${adapters.join(', ')})`);
    }
    return this.copies.get(adapters[0]).call(input);
  }

  protected disposeAdapter(name: string): void {
    this.copies.delete(name)?.dispose();
  }

  override get mergeable(): boolean {
    return true;
  }

  /** One adapter at a time: as peft, merging another first unmerges the one merged (with a warning). */
  protected override mergeAdapter(name: string): void {
    const merged = this.mergedAdapters();
    if (merged.length > 0) {
      warn(`${LN_TUNING}: '${merged.join(', ')}' is merged into this layer; unmerging it to merge '${name}' (one adapter at a time)`);
      this.unmerge();
    }
    this.swapValues(name);
  }

  protected override unmergeAdapter(name: string): void {
    this.swapValues(name);
  }

  /** Exchanges the values of the base parameters and the copy's, pairwise by path (same shapes: a clone). */
  private swapValues(name: string): void {
    const copy = new Map((this.copies.get(name) as unknown as AnyModule).namedParameters());
    for (const [path, base] of (this.baseLayer as unknown as AnyModule).namedParameters()) {
      const other = copy.get(path)!;
      const held = tf.clone(base.variable);
      base.assign(other.variable);
      other.assign(held);
      held.dispose();
    }
  }
}

export function isLNTuningLayer(module: unknown): module is LNTuningLayer<unknown, unknown> {
  return module instanceof LNTuningLayer;
}
