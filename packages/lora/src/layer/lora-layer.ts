/**
 * The base of LoRA's layers (peft's `LoraLayer`): per-adapter state keyed by
 * adapter name, and what every base layer type shares. Core's AdapterLayer
 * keeps the active adapters, the merge stack and disabling; this class adds
 * the computation.
 *
 * Each layer type presents its base weight as a matrix W [out, fanIn] (Linear
 * as is, GPT-2's Conv1D transposed, Conv2D flattened, Embedding transposed)
 * and its factors as A [r, fanIn] and B [out, r], so that the update is always
 * scaling * B A in that view. Variants (LoRA, DoRA), initialisation schemes
 * and adapter combination all work on the view, once for every layer type.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  AdapterLayer,
  AdapterStateError,
  Dropout,
  InvalidArgumentError,
  ModuleDict,
  defaultGenerator,
  type MergeOptions,
  type Module,
  type Parameter,
} from '@peftjs/core';
import { LORA } from '../config';
import { NonFiniteMergeError } from '../errors';
import type { LoraInitScheme } from '../init';
import { currentMixedBatch } from '../mixed-batch/context';
import { mixedBatchForward } from '../mixed-batch/forward';
import { doraVariant, type DoraMagnitude } from '../variants/dora';
import { loraVariant } from '../variants/lora';
import { scalingRule } from '../variants/rslora';
import type { LoraVariant } from '../variants/variant';

export interface LoraAdapterOptions {
  readonly r: number;
  readonly alpha: number;
  readonly dropout: number;
  readonly useRslora: boolean;
  readonly useDora: boolean;
  readonly loraBias: boolean;
  readonly init: LoraInitScheme;
}

export interface LoraAdapterSettings {
  readonly r: number;
  readonly alpha: number;
  readonly scaling: number;
  readonly dropout: number;
  readonly variant: LoraVariant;
  readonly loraBias: boolean;
}

export abstract class LoraLayer extends AdapterLayer {
  readonly peftType = LORA;
  readonly lora_dropout: ModuleDict<Dropout>;
  /** DoRA's magnitudes, by adapter (empty unless an adapter uses DoRA). */
  readonly lora_magnitude_vector: ModuleDict<DoraMagnitude>;
  private readonly settings = new Map<string, LoraAdapterSettings>();
  /** Adapters whose factors or scaling a hotswap rewrote: their config no longer describes them. */
  private readonly hotswapped = new Set<string>();
  /** What merged adapters need to unmerge exactly (DoRA's weight norms at merge time). */
  private readonly keptForUnmerge = new Map<string, tf.Tensor>();

  constructor(base: Module) {
    super(base);
    this.lora_dropout = this.addModule('lora_dropout', new ModuleDict<Dropout>());
    this.lora_magnitude_vector = this.addModule('lora_magnitude_vector', new ModuleDict<DoraMagnitude>());
  }

  // ---- what each base layer type provides ---------------------------------------

  abstract get baseWeight(): Parameter;

  get baseBias(): Parameter | undefined {
    return (this.baseLayer as unknown as { bias?: Parameter }).bias;
  }

  /** Rows of the weight matrix view: the output units (features, channels, embedding dimensions). */
  abstract get outUnits(): number;

  /** Columns of the weight matrix view. */
  abstract get fanIn(): number;

  /** peft starts embedding factors differently from projection factors. */
  abstract get initStyle(): 'projection' | 'embedding';

  /** Whether a mixed batch may gather each row's A and B (the update is B A x on the last axis). */
  get supportsGatheredBatch(): boolean {
    return false;
  }

  /** The shape DoRA's magnitude has in peft's files. */
  get magnitudeShape(): number[] {
    return [this.outUnits];
  }

  /** A base weight in its own layout as the matrix view [out, fanIn] (may return the tensor itself). */
  abstract weightMatrix(weight: tf.Tensor): tf.Tensor2D;

  /** The inverse of weightMatrix. */
  protected abstract weightFromMatrix(matrix: tf.Tensor2D): tf.Tensor;

  /** A [r, fanIn] and B [out, r] of an adapter, read for computing (functional calls see their values). */
  abstract factorMatrices(adapter: string): { a: tf.Tensor2D; b: tf.Tensor2D };

  protected abstract assignFactors(adapter: string, a: tf.Tensor2D, b: tf.Tensor2D): void;

  /** scaling * (B A x + lora bias), for an input already through this adapter's dropout. */
  abstract loraOutput(adapter: string, x: tf.Tensor): tf.Tensor;

  protected abstract createFactors(adapter: string, r: number, loraBias: boolean): void;

  /** The parameters createFactors makes, by path inside this layer, without making them. */
  protected abstract factorShapes(adapter: string, r: number, loraBias: boolean): Array<[string, number[]]>;

  /**
   * Every parameter addAdapter would add, by path inside this layer, without
   * allocating: what core checks against a file's header before anything is made
   * (InjectionContext.checkPlannedParameters).
   */
  plannedShapes(adapter: string, options: Pick<LoraAdapterOptions, 'r' | 'useDora' | 'loraBias'>): Array<[string, number[]]> {
    const shapes = this.factorShapes(adapter, options.r, options.loraBias);
    if (options.useDora) shapes.push([`lora_magnitude_vector.${adapter}.weight`, this.magnitudeShape]);
    return shapes;
  }

  protected abstract disposeFactors(adapter: string): void;

  /** LoRA's own bias on B (peft's `lora_bias`), if the adapter has one. */
  protected abstract loraBiasOf(adapter: string): Parameter | undefined;

  // ---- adapters --------------------------------------------------------------------

  adapterNames(): string[] {
    return [...this.settings.keys()];
  }

  adapterSettings(adapter: string): LoraAdapterSettings {
    const settings = this.settings.get(adapter);
    if (settings === undefined) throw new AdapterStateError(`this LoRA layer holds no adapter '${adapter}' (it holds ${this.adapterNames().join(', ') || 'none'})`);
    return settings;
  }

  /**
   * Adds an adapter with fresh factors. Schemes that start from the base
   * weight (PiSSA, OLoRA) replace it with the residual here.
   */
  addAdapter(adapter: string, options: LoraAdapterOptions): void {
    if (!Number.isInteger(options.r) || options.r <= 0) throw new InvalidArgumentError(`LoRA rank r: expected an integer > 0, found ${options.r}`);
    if (!(options.alpha > 0)) throw new InvalidArgumentError(`LoRA lora_alpha: expected a number > 0, found ${options.alpha}`);
    if (this.settings.has(adapter)) throw new InvalidArgumentError(`this LoRA layer already holds an adapter '${adapter}'`);
    this.assertInitFits(options.init, options.r, 'this layer');
    const scaling = scalingRule(options.useRslora).scaling(options.alpha, options.r);
    const variant = options.useDora ? doraVariant : loraVariant;
    // Recorded first: if anything below throws, deleteAdapter finds the adapter and frees what was made.
    this.settings.set(adapter, { r: options.r, alpha: options.alpha, scaling, dropout: options.dropout, variant, loraBias: options.loraBias });
    const dropout = this.lora_dropout.set(adapter, new Dropout(options.dropout));
    dropout.training = this.training;
    this.createFactors(adapter, options.r, options.loraBias);
    const start = options.init.initialize(
      {
        r: options.r,
        fanIn: this.fanIn,
        out: this.outUnits,
        scaling,
        style: this.initStyle,
        weightMatrix: () => tf.tidy(() => tf.clone(this.weightMatrix(this.baseWeight.variable))),
      },
      defaultGenerator(),
    );
    try {
      this.assignFactors(adapter, start.a, start.b);
      if (start.residual) this.assignWeightMatrix(start.residual);
    } finally {
      tf.dispose([start.a, start.b, start.residual]);
    }
    variant.init(this, adapter);
  }

  /** Schemes that start from the weight (PiSSA, OLoRA) need r <= min(out, fanIn). */
  assertInitFits(init: LoraInitScheme, r: number, where: string): void {
    const limit = Math.min(this.outUnits, this.fanIn);
    if (init.rewritesBaseWeight && r > limit) {
      throw new InvalidArgumentError(`${LORA}: init_lora_weights '${init.name}' at ${where}: r must be at most min(out, in) = ${limit} of the weight, found r = ${r}`);
    }
  }

  protected disposeAdapter(adapter: string): void {
    const settings = this.settings.get(adapter);
    settings?.variant.dispose(this, adapter);
    this.disposeFactors(adapter);
    this.lora_dropout.delete(adapter);
    this.keptForUnmerge.get(adapter)?.dispose();
    this.keptForUnmerge.delete(adapter);
    this.settings.delete(adapter);
    this.hotswapped.delete(adapter);
  }

  /** The input LoRA's factors see: through the adapter's dropout (embeddings skip it, as peft). */
  dropoutInput(adapter: string, x: tf.Tensor): tf.Tensor {
    return this.lora_dropout.get(adapter).call(x);
  }

  /** scaling * B A in the weight matrix view. */
  deltaMatrix(adapter: string): tf.Tensor2D {
    return tf.tidy(() => {
      const { a, b } = this.factorMatrices(adapter);
      return tf.mul(tf.matMul(b, a), this.adapterSettings(adapter).scaling);
    });
  }

  /** The update an adapter adds to the base weight, in the base weight's own layout. */
  deltaWeight(adapter: string): tf.Tensor {
    return tf.tidy(() => this.weightFromMatrix(this.deltaMatrix(adapter)));
  }

  /** Writes A and B given as matrices (for combinations and loading by hand). */
  setFactors(adapter: string, a: tf.Tensor2D, b: tf.Tensor2D): void {
    this.adapterSettings(adapter);
    this.assignFactors(adapter, a, b);
  }

  /**
   * Hotswap: replaces the adapter's scaling (its factors are written through
   * their parameters). The rank stays the factors' rank.
   */
  setScaling(adapter: string, scaling: number): void {
    if (!(Number.isFinite(scaling) && scaling > 0)) throw new InvalidArgumentError(`LoRA scaling: expected a finite number > 0, found ${scaling}`);
    this.settings.set(adapter, { ...this.adapterSettings(adapter), scaling });
  }

  /** Records that a hotswap rewrote this adapter here (see isHotswapped). */
  markHotswapped(adapter: string): void {
    this.adapterSettings(adapter);
    this.hotswapped.add(adapter);
  }

  /** Whether a hotswap padded or rewrote this adapter here (then it cannot be saved: see register.ts). */
  isHotswapped(adapter: string): boolean {
    return this.hotswapped.has(adapter);
  }

  /**
   * Grows the adapter's factors to `rank` with zero rows of A and zero columns
   * of B, which leaves the output unchanged, so later adapters of any rank up
   * to `rank` can be swapped in without new tensor shapes (peft's
   * prepare_model_for_compiled_hotswap). Layer types that cannot pad throw.
   * Returns the replaced parameters as [old, new] pairs (see growFactors).
   */
  padRank(adapter: string, rank: number): Array<[Parameter, Parameter]> {
    const { r } = this.adapterSettings(adapter);
    if (!Number.isInteger(rank) || rank < r) throw new InvalidArgumentError(`LoRA padRank: expected an integer rank >= the adapter's rank ${r}, found ${rank}`);
    if (this.mergedAdapters().includes(adapter)) throw new AdapterStateError(`adapter '${adapter}' is merged; unmerge it before padding its rank`);
    if (rank === r) return [];
    const replaced = this.growFactors(adapter, rank);
    this.settings.set(adapter, { ...this.adapterSettings(adapter), r: rank });
    this.hotswapped.add(adapter);
    return replaced;
  }

  /**
   * Replaces the adapter's factors by zero-padded ones of rank `rank` (> its
   * rank); returns [old, new] parameter pairs (the old ones disposed) so the
   * PeftModel can record the new ones as the adapter's.
   */
  protected growFactors(adapter: string, rank: number): Array<[Parameter, Parameter]> {
    void adapter;
    void rank;
    throw new InvalidArgumentError(`LoRA padRank: ${this.constructor.name} layers cannot pad their rank (Linear and Conv1D layers can)`);
  }

  private assignWeightMatrix(matrix: tf.Tensor2D): void {
    const weight = tf.tidy(() => this.weightFromMatrix(matrix));
    this.baseWeight.assign(weight);
    weight.dispose();
  }

  // ---- forward ------------------------------------------------------------------

  override forward(x: tf.Tensor): tf.Tensor {
    const batch = currentMixedBatch();
    if (batch === undefined || this.adaptersDisabled) return super.forward(x);
    if (this.merged) {
      throw new AdapterStateError(`a mixed-adapter batch needs unmerged adapters, but ${this.mergedAdapters().join(', ')} are merged; call unmergeAdapter() first`);
    }
    return mixedBatchForward(this, x, batch);
  }

  protected forwardWithAdapters(x: tf.Tensor, adapters: readonly string[]): tf.Tensor {
    return tf.tidy(() => {
      const base = this.baseLayer.call(x);
      let result = base;
      for (const adapter of adapters) result = this.adapterSettings(adapter).variant.forward(this, adapter, x, base, result);
      return result;
    });
  }

  // ---- merging ------------------------------------------------------------------

  /** A LoRA bias folds into the base bias, so a base without one cannot take it. */
  override get mergeable(): boolean {
    return this.adapterNames().every((adapter) => !this.adapterSettings(adapter).loraBias || this.baseBias !== undefined);
  }

  protected override mergeAdapter(adapter: string, options: MergeOptions): void {
    const { variant, scaling } = this.adapterSettings(adapter);
    const { weight, kept } = tf.tidy(() => {
      const merged = variant.merge(this, adapter, this.weightMatrix(this.baseWeight.variable));
      return { weight: this.weightFromMatrix(merged.weight), kept: merged.kept };
    });
    const loraBias = this.loraBiasOf(adapter);
    const bias = loraBias && tf.tidy(() => tf.add(this.baseBias!.variable, tf.mul(loraBias.variable, scaling)));
    if (options.safe && !allFinite([weight, bias])) {
      tf.dispose([weight, kept, bias]);
      throw new NonFiniteMergeError(adapter);
    }
    this.baseWeight.assign(weight);
    if (bias) this.baseBias!.assign(bias);
    tf.dispose([weight, bias]);
    if (kept) this.keptForUnmerge.set(adapter, kept);
  }

  protected override unmergeAdapter(adapter: string): void {
    const { variant, scaling } = this.adapterSettings(adapter);
    const kept = this.keptForUnmerge.get(adapter);
    const weight = tf.tidy(() => this.weightFromMatrix(variant.unmerge(this, adapter, this.weightMatrix(this.baseWeight.variable), kept)));
    this.baseWeight.assign(weight);
    weight.dispose();
    const loraBias = this.loraBiasOf(adapter);
    if (loraBias) {
      const bias = tf.tidy(() => tf.sub(this.baseBias!.variable, tf.mul(loraBias.variable, scaling)));
      this.baseBias!.assign(bias);
      bias.dispose();
    }
    kept?.dispose();
    this.keptForUnmerge.delete(adapter);
  }
}

function allFinite(tensors: Array<tf.Tensor | undefined>): boolean {
  return tensors.every((t) => t === undefined || tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0] === 1));
}

export function isLoraLayer(module: unknown): module is LoraLayer {
  return module instanceof LoraLayer;
}
