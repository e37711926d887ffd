/**
 * GPT2ForSequenceClassification: GPT2Model under `transformer` and a bias-free
 * `score` head applied at each row's last real token.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Linear, Module } from '@peftjs/core';
import type { TensorModule } from '../layers/tensor-module';
import { tidyOutput } from '../transformer/tidy-output';
import type { LogitsOutput, TransformerInput } from '../transformer/types';
import type { GPT2Config } from './config';
import { GPT2Model } from './model';

export class GPT2ForSequenceClassification extends Module<TransformerInput, LogitsOutput> {
  constructor(readonly config: GPT2Config) {
    super();
    this.addModule('transformer', new GPT2Model(config));
    this.addModule('score', new Linear(config.hiddenSize, config.numLabels, { bias: false }));
  }

  get transformer(): GPT2Model {
    return this.getSubmodule('transformer') as unknown as GPT2Model;
  }

  getInputEmbeddings(): TensorModule {
    return this.transformer.getInputEmbeddings();
  }

  /** logits [batch, numLabels]. */
  forward(input: TransformerInput): LogitsOutput {
    return tidyOutput(() => {
      const { lastHiddenState, pastKeyValues, hiddenStates } = this.transformer.call(input);
      const [batch, seq, hidden] = lastHiddenState.shape;
      const rows = lastTokenIndices(input, this.config.padTokenId, batch, seq).map((position, row) => row * seq + position);
      const pooled = tf.gather(tf.reshape(lastHiddenState, [batch * seq, hidden]), rows);
      const logits = (this.getSubmodule('score') as TensorModule).call(pooled);
      return { logits, pastKeyValues, hiddenStates };
    });
  }
}

/**
 * The position pooled in each row, as Hugging Face chooses it: with token ids and
 * a pad token, the rightmost non-pad token (so left and right padding both work;
 * 0 for an all-pad row). Where HF falls back to the last position (embeddings
 * given, or no pad token), we use the rightmost position the attention mask
 * keeps when a mask is given, which is the same for unpadded rows and right for padded ones.
 */
export function lastTokenIndices(input: TransformerInput, padTokenId: number | undefined, batch: number, seq: number): number[] {
  const rightmost = (values: ArrayLike<number>, keep: (v: number) => boolean, width: number, offset: number) =>
    Array.from({ length: batch }, (_, row) => {
      for (let j = seq - 1; j >= 0; j--) if (keep(values[row * width + offset + j])) return j;
      return 0;
    });
  if (input.inputIds !== undefined && padTokenId !== undefined) {
    return rightmost(input.inputIds.dataSync(), (id) => id !== padTokenId, seq, 0);
  }
  if (input.attentionMask !== undefined) {
    const width = input.attentionMask.shape[1] as number;
    return rightmost(input.attentionMask.dataSync(), (m) => m !== 0, width, width - seq);
  }
  return new Array<number>(batch).fill(seq - 1);
}
