/**
 * Llama-family self-attention: q_proj, k_proj, v_proj, o_proj (core Linears, so
 * LoRA, DoRA and IA3 wrap them), rotary embeddings on q and k, and
 * grouped-query attention: numKeyValueHeads key/value heads, each shared by
 * numHeads / numKeyValueHeads query heads. The cache and prefix tuning's past
 * hold the key/value heads only ([batch, kvHeads, length, headDim]).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Dropout, Linear, Module } from '@peftjs/core';
import type { TensorModule } from '../layers/tensor-module';
import { appendKeyValue, mergeHeads, scaledDotProductAttention, splitHeads } from '../transformer/attention';
import type { AttentionInput, AttentionOutput } from '../transformer/types';
import type { LlamaConfig } from './config';
import { RMSNorm } from './rms-norm';
import { applyRotary, type RotaryTables } from './rope';

export interface LlamaAttentionInput extends AttentionInput {
  readonly rotary: RotaryTables;
}

/** [b, kvHeads, t, d] -> [b, kvHeads * groups, t, d], each key/value head repeated for its group of query heads (repeat_kv). */
export function repeatKeyValueHeads(x: tf.Tensor, groups: number): tf.Tensor {
  if (groups === 1) return x;
  const [batch, heads, length, headDim] = x.shape;
  return tf.reshape(tf.tile(tf.reshape(x, [batch, heads, 1, length, headDim]), [1, 1, groups, 1, 1]), [batch, heads * groups, length, headDim]);
}

export class LlamaAttention extends Module<LlamaAttentionInput, AttentionOutput> {
  private readonly groups: number;

  constructor(readonly config: LlamaConfig) {
    super();
    const { hiddenSize, numHeads, numKeyValueHeads, headDim, variant } = config;
    this.addModule('q_proj', new Linear(hiddenSize, numHeads * headDim, { bias: variant.qkvBias }));
    this.addModule('k_proj', new Linear(hiddenSize, numKeyValueHeads * headDim, { bias: variant.qkvBias }));
    this.addModule('v_proj', new Linear(hiddenSize, numKeyValueHeads * headDim, { bias: variant.qkvBias }));
    this.addModule('o_proj', new Linear(numHeads * headDim, hiddenSize, { bias: variant.outputBias }));
    if (variant.qkNorm) {
      this.addModule('q_norm', new RMSNorm(headDim, config.rmsNormEps));
      this.addModule('k_norm', new RMSNorm(headDim, config.rmsNormEps));
    }
    this.addModule('attn_dropout', new Dropout(config.attentionDropout));
    this.groups = numHeads / numKeyValueHeads;
  }

  forward({ hiddenStates, bias, past, useCache, rotary }: LlamaAttentionInput): AttentionOutput {
    const sub = (name: string) => this.getSubmodule(name) as TensorModule;
    const { numHeads, numKeyValueHeads, headDim, variant } = this.config;
    let query = splitHeads(sub('q_proj').call(hiddenStates), numHeads);
    let key = splitHeads(sub('k_proj').call(hiddenStates), numKeyValueHeads);
    const value = splitHeads(sub('v_proj').call(hiddenStates), numKeyValueHeads);
    if (variant.qkNorm) {
      query = sub('q_norm').call(query);
      key = sub('k_norm').call(key);
    }
    query = applyRotary(query, rotary);
    key = applyRotary(key, rotary);
    const all = appendKeyValue(past, key, value);
    const dropout = sub('attn_dropout');
    const attended = scaledDotProductAttention(
      query,
      repeatKeyValueHeads(all.key, this.groups),
      repeatKeyValueHeads(all.value, this.groups),
      bias,
      1 / Math.sqrt(headDim),
      (p) => dropout.call(p),
    );
    return { hiddenStates: sub('o_proj').call(mergeHeads(attended)), present: useCache ? all : undefined };
  }
}
