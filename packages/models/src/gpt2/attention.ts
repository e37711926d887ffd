/** GPT-2 causal self-attention: `c_attn` projects to q, k, v at once; `c_proj` projects back. */
import * as tf from '@tensorflow/tfjs-core';
import { Dropout, Module } from '@peftjs/core';
import { Conv1D } from '../layers/conv1d';
import type { TensorModule } from '../layers/tensor-module';
import { appendKeyValue, mergeHeads, scaledDotProductAttention, splitHeads } from '../transformer/attention';
import type { AttentionInput, AttentionOutput } from '../transformer/types';
import type { GPT2Config } from './config';

export class GPT2Attention extends Module<AttentionInput, AttentionOutput> {
  private readonly scale: number;

  constructor(
    readonly config: GPT2Config,
    layerIndex: number,
  ) {
    super();
    const { hiddenSize, numHeads, numLayers } = config;
    this.addModule('c_attn', new Conv1D(hiddenSize, 3 * hiddenSize));
    // GPT-2 scales the init of projections into the residual stream by 1/sqrt(2 * layers).
    this.addModule('c_proj', new Conv1D(hiddenSize, hiddenSize, { initStd: 0.02 / Math.sqrt(2 * numLayers) }));
    this.addModule('attn_dropout', new Dropout(config.attnDropout));
    this.addModule('resid_dropout', new Dropout(config.residDropout));
    const headDim = hiddenSize / numHeads;
    this.scale = (config.scaleAttnWeights ? 1 / Math.sqrt(headDim) : 1) / (config.scaleAttnByInverseLayerIdx ? layerIndex + 1 : 1);
  }

  get c_attn(): TensorModule {
    return this.getSubmodule('c_attn') as TensorModule;
  }

  get c_proj(): TensorModule {
    return this.getSubmodule('c_proj') as TensorModule;
  }

  forward({ hiddenStates, bias, past, useCache }: AttentionInput): AttentionOutput {
    const attnDropout = this.getSubmodule('attn_dropout') as TensorModule;
    const [query, key, value] = tf.split(this.c_attn.call(hiddenStates), 3, -1).map((t) => splitHeads(t, this.config.numHeads));
    const all = appendKeyValue(past, key, value);
    const attended = scaledDotProductAttention(query, all.key, all.value, bias, this.scale, (p) => attnDropout.call(p));
    const output = (this.getSubmodule('resid_dropout') as TensorModule).call(this.c_proj.call(mergeHeads(attended)));
    return { hiddenStates: output, present: useCache ? all : undefined };
  }
}
