/**
 * peft's TrainableTokensWrapper: trainable tokens alongside another method
 * (LoRA's `trainable_token_indices`), in peft's layout, so file keys match:
 * the wrapper stands at the embedding's path and holds the token layer as
 * `token_adapter` (`embed_tokens.token_adapter.trainable_tokens_delta`).
 * The inner layer keeps no activation state of its own: the wrapper is the
 * adapter layer core sees, and it runs, merges and deletes through the inner one.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { AdapterLayer, type AnyModule, type MergeOptions } from '@peftjs/core';
import { TRAINABLE_TOKENS } from './config';
import type { TrainableTokensLayer } from './layer';
import { forwardRowsByAdapter, mixedBatchOf } from './mixed-batch';

export class TrainableTokensWrapper<In = tf.Tensor, Out = tf.Tensor> extends AdapterLayer<In, Out> {
  readonly peftType = TRAINABLE_TOKENS;

  constructor(readonly tokenAdapter: TrainableTokensLayer<In, Out>) {
    super(tokenAdapter, 'token_adapter');
  }

  adapterNames(): string[] {
    return this.tokenAdapter.adapterNames();
  }

  override forward(input: In): Out {
    const batch = mixedBatchOf(this.adaptersDisabled);
    return batch === undefined ? super.forward(input) : forwardRowsByAdapter(this.tokenAdapter, input, batch, this.merged);
  }

  protected forwardWithAdapters(input: In, adapters: readonly string[]): Out {
    return this.tokenAdapter.runWith(input, adapters);
  }

  protected disposeAdapter(name: string): void {
    this.tokenAdapter.removeTokens(name);
  }

  override get mergeable(): boolean {
    return true;
  }

  protected override mergeAdapter(name: string, options: MergeOptions): void {
    this.tokenAdapter.mergeRows(name, options);
  }

  protected override unmergeAdapter(name: string): void {
    this.tokenAdapter.restoreRows(name);
  }

  /** The embedding itself, not the inner layer, stands in the wrapper's place once unloaded. */
  override unloadModule(merge: boolean): AnyModule {
    super.unloadModule(merge);
    return this.tokenAdapter.baseLayer as unknown as AnyModule;
  }
}

export function isTrainableTokensWrapper(module: unknown): module is TrainableTokensWrapper<unknown, unknown> {
  return module instanceof TrainableTokensWrapper;
}

