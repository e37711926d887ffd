/** A Llama decoder layer: pre-norm (RMSNorm) attention and gated feed-forward, each added to the residual stream. */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@peftjs/core';
import type { TensorModule } from '../layers/tensor-module';
import type { AttentionOutput } from '../transformer/types';
import { LlamaAttention, type LlamaAttentionInput } from './attention';
import type { LlamaConfig } from './config';
import { LlamaMLP } from './mlp';
import { RMSNorm } from './rms-norm';

export class LlamaDecoderLayer extends Module<LlamaAttentionInput, AttentionOutput> {
  constructor(config: LlamaConfig) {
    super();
    const offset = config.variant.normWeightOffset;
    this.addModule('self_attn', new LlamaAttention(config));
    this.addModule('mlp', new LlamaMLP(config));
    this.addModule('input_layernorm', new RMSNorm(config.hiddenSize, config.rmsNormEps, offset));
    this.addModule('post_attention_layernorm', new RMSNorm(config.hiddenSize, config.rmsNormEps, offset));
  }

  forward(input: LlamaAttentionInput): AttentionOutput {
    const sub = (name: string) => this.getSubmodule(name) as TensorModule;
    const attention = (this.getSubmodule('self_attn') as unknown as LlamaAttention).call({ ...input, hiddenStates: sub('input_layernorm').call(input.hiddenStates) });
    const afterAttention = tf.add(input.hiddenStates, attention.hiddenStates);
    const output = tf.add(afterAttention, sub('mlp').call(sub('post_attention_layernorm').call(afterAttention)));
    return { hiddenStates: output, present: attention.present };
  }
}
