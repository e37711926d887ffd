/**
 * What LoHa and LoKr layers share (peft's LycorisLayer): per-adapter rank,
 * alpha, scaling alpha / r and dropouts; the forward pass base(x) + the
 * update ΔW applied to x per active adapter; merging ΔW into the base weight
 * and subtracting it again; and mixed-adapter batches, row groups through
 * core's forwardByRowGroups (each group's rows see the base plus its adapter).
 *
 * Dropouts act in training mode only, as peft's: module_dropout skips a whole
 * adapter for a step (kept when a uniform draw is above it); rank_dropout
 * zeroes output rows of ΔW, the kept rows divided by their mean where the
 * method rescales. Merging always uses ΔW without dropout, so unmerging
 * subtracts exactly what merging added (peft's merge in training mode would
 * draw a new mask each time).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  AdapterLayer,
  AdapterStateError,
  BASE_ADAPTER_NAME,
  InvalidArgumentError,
  currentMixedBatch,
  defaultGenerator,
  forwardByRowGroups,
  type AnyModule,
  type MergeOptions,
  type Module,
} from '@peftjs/core';
import { NonFiniteMergeError } from '../errors';
import { lycorisBase, type LycorisBase } from './base';

export interface LycorisAdapterOptions {
  readonly r: number;
  readonly alpha: number;
  readonly rankDropout: number;
  readonly moduleDropout: number;
  /** Whether rank dropout divides the kept rows by their mean (LoHa always; LoKr with rank_dropout_scale). */
  readonly rescaleRankDropout: boolean;
}

export interface LycorisSettings extends LycorisAdapterOptions {
  /** alpha / r, as peft. */
  readonly scaling: number;
}

export abstract class LycorisLayer extends AdapterLayer {
  protected readonly settings = new Map<string, LycorisSettings>();

  constructor(baseModule: AnyModule) {
    lycorisBase(baseModule);
    super(baseModule as unknown as Module);
  }

  /** The wrapped layer's weight and geometry, read from the tree each time (clones and replacements stay right). */
  get base(): LycorisBase {
    return lycorisBase(this.baseLayer as unknown as AnyModule);
  }

  /** ΔW of an adapter (scaled, without dropout), in the base weight's shape. */
  abstract deltaWeight(adapter: string): tf.Tensor;

  protected abstract disposeFactors(adapter: string): void;

  adapterNames(): string[] {
    return [...this.settings.keys()];
  }

  adapterSettings(adapter: string): LycorisSettings {
    const settings = this.settings.get(adapter);
    if (settings === undefined) throw new AdapterStateError(`this ${this.peftType} layer holds no adapter '${adapter}' (it holds ${this.adapterNames().join(', ') || 'none'})`);
    return settings;
  }

  /** Records an adapter's settings; the method's layer creates its factors after this. */
  protected recordSettings(adapter: string, options: LycorisAdapterOptions): void {
    if (!Number.isInteger(options.r) || options.r <= 0) throw new InvalidArgumentError(`${this.peftType} rank r: expected an integer > 0, found ${options.r}`);
    if (!(options.alpha >= 0)) throw new InvalidArgumentError(`${this.peftType} alpha: expected a number >= 0, found ${options.alpha}`);
    if (this.settings.has(adapter)) throw new InvalidArgumentError(`this ${this.peftType} layer already holds an adapter '${adapter}'`);
    this.settings.set(adapter, { ...options, scaling: options.alpha / options.r });
  }

  protected disposeAdapter(adapter: string): void {
    this.disposeFactors(adapter);
    this.settings.delete(adapter);
  }

  /** ΔW as the forward pass uses it: with rank dropout while training. */
  private trainingDelta(adapter: string): tf.Tensor {
    const delta = this.deltaWeight(adapter);
    const { rankDropout, rescaleRankDropout } = this.adapterSettings(adapter);
    if (!this.training || rankDropout === 0) return delta;
    const rng = defaultGenerator();
    const kept = Float32Array.from({ length: this.base.outDim }, () => (rng.uniform() > rankDropout ? 1 : 0));
    const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
    // Every row dropped: ΔW is zero this step (peft would divide by a zero mean and give NaN).
    if (rescaleRankDropout && mean > 0) kept.forEach((v, i) => (kept[i] = v / mean));
    const mask = tf.tensor(kept, [this.base.outDim, ...delta.shape.slice(1).map(() => 1)]);
    return tf.mul(delta, mask);
  }

  /** Whether the adapter runs this forward pass (module dropout, training only). */
  private runsNow(adapter: string): boolean {
    const { moduleDropout } = this.adapterSettings(adapter);
    return !this.training || moduleDropout === 0 || defaultGenerator().uniform() > moduleDropout;
  }

  private withAdapter(adapter: string, x: tf.Tensor, result: tf.Tensor): tf.Tensor {
    if (!this.runsNow(adapter)) return result;
    return tf.add(result, this.base.apply(x, this.trainingDelta(adapter)));
  }

  protected forwardWithAdapters(x: tf.Tensor, adapters: readonly string[]): tf.Tensor {
    return tf.tidy(() => adapters.reduce((result, adapter) => this.withAdapter(adapter, x, result), this.baseLayer.call(x)));
  }

  override forward(x: tf.Tensor): tf.Tensor {
    const batch = currentMixedBatch();
    if (batch === undefined || this.adaptersDisabled) return super.forward(x);
    if (this.merged) {
      throw new AdapterStateError(`a mixed-adapter batch needs unmerged adapters, but ${this.mergedAdapters().join(', ')} are merged; call unmergeAdapter() first`);
    }
    return tf.tidy(() => {
      const baseOutput = this.baseLayer.call(x);
      return forwardByRowGroups(x, batch.adapterNames, (group, rowsOf) => {
        const rows = rowsOf(baseOutput);
        // Rows of another method's adapter, or of none, get the base output here.
        if (group === BASE_ADAPTER_NAME || !this.hasAdapter(group)) return rows;
        return this.withAdapter(group, rowsOf(x), rows);
      });
    });
  }

  override get mergeable(): boolean {
    return true;
  }

  protected override mergeAdapter(adapter: string, options: MergeOptions): void {
    const weight = tf.tidy(() => tf.add(this.base.weight.variable, this.deltaWeight(adapter)));
    if (options.safe && tf.tidy(() => tf.all(tf.isFinite(weight)).dataSync()[0]) !== 1) {
      weight.dispose();
      throw new NonFiniteMergeError(adapter);
    }
    this.base.weight.assign(weight);
    weight.dispose();
  }

  protected override unmergeAdapter(adapter: string): void {
    const weight = tf.tidy(() => tf.sub(this.base.weight.variable, this.deltaWeight(adapter)));
    this.base.weight.assign(weight);
    weight.dispose();
  }
}

export function isLycorisLayer(module: unknown): module is LycorisLayer {
  return module instanceof LycorisLayer;
}
