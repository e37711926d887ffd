/**
 * The base of every layer a PEFT method puts into a model (peft's
 * BaseTunerLayer). It wraps the original module, keeps per-adapter state keyed
 * by adapter name, and owns the bookkeeping every method shares:
 *
 * - which adapters are active (several may be), and whether all are disabled;
 * - a stack of merged adapters, so that unmerging goes in reverse order and
 *   restores the base weights up to float error;
 * - the forward pass with its three cases: adapters disabled (the base module
 *   alone), merged (the base module, already holding the merged adapters), and
 *   unmerged (the method's own computation).
 *
 * A method writes the computation (`forwardWithAdapters`), the per-adapter
 * cleanup (`disposeAdapter`) and, where it can, `mergeAdapter`/`unmergeAdapter`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { Module, type AnyModule } from '../nn/module';
import { brandClass } from '../util/brand';
import { AdapterStateError, NotMergeableError } from './errors';

export interface MergeOptions {
  /** Check the merged weights are finite before committing them (peft's `safe_merge`). */
  safe?: boolean;
}

export abstract class AdapterLayer<In = tf.Tensor, Out = tf.Tensor> extends Module<In, Out> {
  static {
    brandClass(this, 'core', 'AdapterLayer');
  }

  /** The `peft_type` of the method that owns this layer. */
  abstract readonly peftType: string;
  readonly baseLayer: Module<In, Out>;
  private requestedActive: readonly string[] = [];
  private disabled = false;
  private readonly mergedStack: string[] = [];
  /** Adapters that were merged when adapters were disabled, to merge again on enable. */
  private mergedBeforeDisable: string[] = [];

  /**
   * @param baseName the child name of the wrapped module: 'base_layer' as peft's
   * tuner layers, 'original_module' for modules_to_save (peft's names, so paths match).
   */
  constructor(baseLayer: Module<In, Out>, baseName = 'base_layer') {
    super();
    this.baseLayer = this.addModule(baseName, baseLayer);
  }

  override get inFeatures(): number | undefined {
    return this.baseLayer.inFeatures;
  }

  override get outFeatures(): number | undefined {
    return this.baseLayer.outFeatures;
  }

  /** The adapters this layer holds, in the order they were added. */
  abstract adapterNames(): string[];

  /** The unmerged computation with the given adapters (all held by this layer, at least one). */
  protected abstract forwardWithAdapters(input: In, adapters: readonly string[]): Out;

  /** Removes one adapter's state and frees its tensors. */
  protected abstract disposeAdapter(name: string): void;

  /** Whether `mergeAdapter` is implemented. */
  get mergeable(): boolean {
    return false;
  }

  /**
   * Whether `unloadModule(true)` can fold the active adapters away. Usually the
   * same as `mergeable`; modules_to_save can (it keeps the trained copy) though
   * it has nothing to merge in place.
   */
  get canUnloadMerged(): boolean {
    return this.mergeable;
  }

  /** Folds one adapter into the base weights. */
  protected mergeAdapter(_name: string, _options: MergeOptions): void {
    throw new NotMergeableError(`${this.peftType} adapters cannot be merged into the base weights`);
  }

  /** Takes one merged adapter back out of the base weights. */
  protected unmergeAdapter(_name: string): void {
    throw new NotMergeableError(`${this.peftType} adapters cannot be unmerged`);
  }

  // ---- state ----------------------------------------------------------------

  hasAdapter(name: string): boolean {
    return this.adapterNames().includes(name);
  }

  /** Sets the active adapters. Names this layer does not hold are ignored, so one call can span methods. */
  setActiveAdapters(names: readonly string[]): void {
    this.requestedActive = [...names];
  }

  /** The active adapters this layer holds. */
  activeAdapters(): string[] {
    return this.requestedActive.filter((name) => this.hasAdapter(name));
  }

  get adaptersDisabled(): boolean {
    return this.disabled;
  }

  /**
   * Disables or re-enables all adapters. Merged adapters are taken out while
   * disabled (so the output is the base output) and merged back on enable.
   */
  setAdaptersDisabled(disabled: boolean): void {
    if (disabled === this.disabled) return;
    if (disabled) {
      this.mergedBeforeDisable = [...this.mergedStack];
      this.unmerge();
    } else if (this.mergedBeforeDisable.length > 0) {
      this.merge(this.mergedBeforeDisable);
      this.mergedBeforeDisable = [];
    }
    this.disabled = disabled;
  }

  mergedAdapters(): string[] {
    return [...this.mergedStack];
  }

  get merged(): boolean {
    return this.mergedStack.length > 0;
  }

  /**
   * Merges adapters (default: the active ones not yet merged) into the base
   * weights. All are checked before any is merged.
   */
  merge(names?: readonly string[], options: MergeOptions = {}): void {
    const toMerge = (names ?? this.activeAdapters()).filter((name) => !this.mergedStack.includes(name));
    if (toMerge.length === 0) return;
    if (!this.mergeable) throw new NotMergeableError(`${this.peftType} adapters (${toMerge.join(', ')}) cannot be merged into the base weights`);
    for (const name of toMerge) {
      if (!this.hasAdapter(name)) throw new AdapterStateError(`merge: this layer holds no adapter '${name}' (it holds ${this.adapterNames().join(', ')})`);
    }
    for (const name of toMerge) {
      this.mergeAdapter(name, options);
      this.mergedStack.push(name);
    }
  }

  /** Unmerges every merged adapter, last merged first. */
  unmerge(): void {
    this.unmergeDownTo(0);
  }

  /**
   * Unmerges the most recently merged adapters until `depth` remain merged
   * (mergedAdapters().length before a merge: undoes that merge).
   */
  unmergeDownTo(depth: number): void {
    while (this.mergedStack.length > depth) {
      const name = this.mergedStack[this.mergedStack.length - 1];
      this.unmergeAdapter(name);
      this.mergedStack.pop();
    }
  }

  /** Removes an adapter. A merged adapter must be unmerged first. */
  deleteAdapter(name: string): void {
    if (!this.hasAdapter(name)) return;
    if (this.mergedStack.includes(name)) {
      throw new AdapterStateError(`cannot delete adapter '${name}' while it is merged; unmerge first`);
    }
    this.disposeAdapter(name);
  }

  /**
   * What should stand in this layer's place once the adapters are removed:
   * with `merge`, the base module holding the merged active adapters; without,
   * the base module as it was. Frees every adapter's tensors.
   */
  unloadModule(merge: boolean): AnyModule {
    if (merge) this.merge();
    else this.unmerge();
    for (const name of this.adapterNames()) this.disposeAdapter(name);
    return this.baseLayer as unknown as AnyModule;
  }

  forward(input: In): Out {
    if (this.disabled) return this.baseLayer.call(input);
    const unmerged = this.activeAdapters().filter((name) => !this.mergedStack.includes(name));
    if (unmerged.length === 0) return this.baseLayer.call(input);
    return this.forwardWithAdapters(input, unmerged);
  }
}

export function isAdapterLayer(module: unknown): module is AdapterLayer<unknown, unknown> {
  return module instanceof AdapterLayer;
}
