/**
 * peft's TrainableTokensLayer: trains chosen rows (`token_indices`) of a
 * [rows, dim] table, an embedding's. Each adapter holds the new rows as
 * `trainable_tokens_delta.<adapter>` [n, dim] (despite the name, values, not
 * differences: peft starts them as copies of the rows) and keeps the rows it
 * replaces (peft's non-persistent `trainable_tokens_original`), so unmerging
 * writes them back bit for bit. The forward pass runs the wrapped module with
 * its `weight` replaced by the table with those rows swapped in.
 *
 * A tied layer (peft's `tied_adapter`) wraps a module that shares the weight
 * Parameter (GPT-2's lm_head): it owns nothing and follows its source layer's
 * adapters, so the head sees the same rows. Merging through the source writes
 * the shared weight, so the tied layer's own merge has nothing left to do.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdapterLayer, InvalidArgumentError, ParameterDict, functionalCall, init, type MergeOptions, type Module, type Parameter } from '@peftjs/core';
import { TRAINABLE_TOKENS } from './config';
import { checkDisjoint } from './indices';
import { forwardRowsByAdapter, mixedBatchOf } from './mixed-batch';
import { replaceRows } from './rows';

/** What trainable tokens need of the wrapped module: a [rows, dim] `weight` its forward reads. */
export interface WeightTable extends Module {
  readonly weight: Parameter;
}

export class TrainableTokensLayer<In = tf.Tensor, Out = tf.Tensor> extends AdapterLayer<In, Out> {
  readonly peftType = TRAINABLE_TOKENS;
  /** Absent in a tied layer, which reads its source's. */
  readonly deltas: ParameterDict | undefined;
  private readonly tokenIndices = new Map<string, readonly number[]>();
  private readonly originals = new Map<string, tf.Tensor>();

  constructor(
    base: Module<In, Out>,
    readonly source?: TrainableTokensLayer<never, unknown>,
  ) {
    super(base);
    if (source === undefined) this.deltas = this.addModule('trainable_tokens_delta', new ParameterDict());
  }

  get weight(): Parameter {
    return (this.baseLayer as unknown as WeightTable).weight;
  }

  private get owner(): TrainableTokensLayer<never, unknown> {
    return this.source ?? (this as unknown as TrainableTokensLayer<never, unknown>);
  }

  /** peft's update_layer: the rows as they are (init_weights true) or N(0, 1). A tied layer adds nothing. */
  addTokens(name: string, indices: readonly number[], initWeights: boolean): void {
    if (this.source !== undefined) return;
    const dim = this.weight.shape[1];
    // Kept: the originals outlive any tidy the adapter is added in (they are freed with the adapter).
    const rows = tf.keep(tf.tidy(() => tf.gather(this.weight.variable, tf.tensor1d([...indices], 'int32'))));
    this.originals.set(name, rows);
    this.deltas!.create(name, initWeights ? tf.clone(rows) : init.normal([indices.length, dim]));
    this.tokenIndices.set(name, [...indices]);
  }

  adapterNames(): string[] {
    return this.source !== undefined ? this.source.adapterNames() : this.deltas!.keys();
  }

  indicesOf(name: string): readonly number[] {
    return this.owner.tokenIndices.get(name) ?? [];
  }

  /** The wrapped module's weight with the adapters' rows in place (peft's get_merged_weights). */
  replacedWeight(adapters: readonly string[], from: tf.Tensor = this.weight.read()): tf.Tensor {
    const owner = this.owner;
    checkDisjoint(adapters.map((name) => [name, owner.indicesOf(name)] as const));
    return replaceRows(from, adapters.map((name) => ({ indices: owner.indicesOf(name), values: owner.deltas!.get(name).read() })));
  }

  /** The wrapped module's output with the adapters' rows in its weight. */
  runWith(input: In, adapters: readonly string[]): Out {
    return tf.tidy(() => functionalCall(this.baseLayer, { weight: this.replacedWeight(adapters) }, input) as unknown as tf.Tensor) as unknown as Out;
  }

  override forward(input: In): Out {
    const batch = mixedBatchOf(this.adaptersDisabled);
    return batch === undefined ? super.forward(input) : forwardRowsByAdapter(this, input, batch, this.merged);
  }

  protected forwardWithAdapters(input: In, adapters: readonly string[]): Out {
    return this.runWith(input, adapters);
  }

  protected disposeAdapter(name: string): void {
    this.removeTokens(name);
  }

  removeTokens(name: string): void {
    if (this.source !== undefined) return;
    this.deltas!.delete(name)?.dispose();
    this.originals.get(name)?.dispose();
    this.originals.delete(name);
    this.tokenIndices.delete(name);
  }

  override get mergeable(): boolean {
    return true;
  }

  protected override mergeAdapter(name: string, options: MergeOptions): void {
    this.mergeRows(name, options);
  }

  protected override unmergeAdapter(name: string): void {
    this.restoreRows(name);
  }

  /** Writes the adapter's rows into the weight (peft's merge: index_copy), refusing rows another merged adapter wrote. */
  mergeRows(name: string, options: MergeOptions = {}): void {
    if (this.source !== undefined) return;
    checkDisjoint([...this.mergedAdapters(), name].map((n) => [n, this.indicesOf(n)] as const));
    const merged = this.replacedWeight([name], this.weight.variable);
    try {
      if (options.safe && !tf.tidy(() => tf.all(tf.isFinite(merged)).dataSync()[0])) {
        throw new InvalidArgumentError(`${TRAINABLE_TOKENS}: merging '${name}' gives non-finite weights`);
      }
      this.weight.assign(merged);
    } finally {
      merged.dispose();
    }
  }

  /** Writes back the rows the adapter replaced. */
  restoreRows(name: string): void {
    if (this.source !== undefined) return;
    const restored = replaceRows(this.weight.variable, [{ indices: this.indicesOf(name), values: this.originals.get(name)! }]);
    this.weight.assign(restored);
    restored.dispose();
  }

  override dispose(): void {
    for (const name of [...this.originals.keys()]) this.removeTokens(name);
    super.dispose();
  }
}

export function isTrainableTokensLayer(module: unknown): module is TrainableTokensLayer<unknown, unknown> {
  return module instanceof TrainableTokensLayer;
}
