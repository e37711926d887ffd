/**
 * modules_to_save: base modules (a new classification head, say) that are
 * copied per adapter, trained and saved whole. Paths follow peft:
 * `score.original_module.weight` for the untouched original and
 * `score.modules_to_save.<adapter>.weight` for each copy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { cloneModule } from '../nn/clone';
import { ModuleDict } from '../nn/layers/containers';
import type { AnyModule, Module } from '../nn/module';
import { brandClass } from '../util/brand';
import { AdapterStateError } from './errors';
import { AdapterLayer } from './adapter-layer';
import { BASE_ADAPTER_NAME, currentMixedBatch, forwardByRowGroups } from './mixed-batch';

export const MODULES_TO_SAVE_TYPE = 'MODULES_TO_SAVE';

export class ModulesToSaveWrapper<In = tf.Tensor, Out = tf.Tensor> extends AdapterLayer<In, Out> {
  static {
    brandClass(this, 'core', 'ModulesToSaveWrapper');
  }

  readonly peftType = MODULES_TO_SAVE_TYPE;
  readonly copies: ModuleDict<Module<In, Out>>;

  constructor(original: Module<In, Out>) {
    super(original, 'original_module');
    this.copies = this.addModule('modules_to_save', new ModuleDict<Module<In, Out>>());
  }

  /** Adds a trainable copy of the original module for `adapterName`. */
  addCopy(adapterName: string): Module<In, Out> {
    const copy = cloneModule(this.baseLayer);
    for (const parameter of copy.parameters()) parameter.trainable = true;
    return this.copies.set(adapterName, copy);
  }

  adapterNames(): string[] {
    return this.copies.keys();
  }

  /**
   * In a mixed-adapter batch (withAdapterNames) each row goes through its
   * adapter's copy; rows of `__base__` or of adapters without a copy here go
   * through the original module. Otherwise the usual AdapterLayer forward.
   */
  override forward(input: In): Out {
    const batch = currentMixedBatch();
    if (batch === undefined || this.adaptersDisabled) return super.forward(input);
    if (!(input instanceof tf.Tensor)) {
      throw new AdapterStateError('modules_to_save: a mixed-adapter batch needs a tensor input with one row per adapter name');
    }
    const rowGroups = batch.adapterNames.map((name) => (this.copies.has(name) ? name : BASE_ADAPTER_NAME));
    return forwardByRowGroups(input, rowGroups, (group, rowsOf) => {
      const module = group === BASE_ADAPTER_NAME ? this.baseLayer : this.copies.get(group);
      return module.call(rowsOf(input) as In) as unknown as tf.Tensor;
    }) as unknown as Out;
  }

  protected forwardWithAdapters(input: In, adapters: readonly string[]): Out {
    if (adapters.length > 1) {
      throw new AdapterStateError(
        `modules_to_save: only one adapter with a saved copy of this module may be active, found ${adapters.join(', ')}`,
      );
    }
    return this.copies.get(adapters[0]).call(input);
  }

  protected disposeAdapter(name: string): void {
    this.copies.delete(name)?.dispose();
  }

  /** Nothing to fold in place; at unload, "merging" means the active copy replaces the original. */
  override get canUnloadMerged(): boolean {
    return true;
  }

  override unloadModule(merge: boolean): AnyModule {
    const [active] = this.activeAdapters();
    if (merge && active !== undefined) {
      const chosen = this.copies.delete(active)!;
      for (const name of this.adapterNames()) this.disposeAdapter(name);
      this.baseLayer.dispose();
      return chosen as unknown as AnyModule;
    }
    for (const name of this.adapterNames()) this.disposeAdapter(name);
    return this.baseLayer as unknown as AnyModule;
  }
}
