/** A GPT-2 block: pre-norm attention and feed-forward, each added to the residual stream. */
import * as tf from '@tensorflow/tfjs-core';
import { Activation, Dropout, LayerNorm, Module } from '@peftjs/core';
import { Conv1D } from '../layers/conv1d';
import type { TensorModule } from '../layers/tensor-module';
import type { AttentionInput, AttentionOutput } from '../transformer/types';
import { GPT2Attention } from './attention';
import type { GPT2Config } from './config';

export class GPT2MLP extends Module {
  constructor(config: GPT2Config) {
    super();
    this.addModule('c_fc', new Conv1D(config.hiddenSize, config.innerSize));
    this.addModule('c_proj', new Conv1D(config.innerSize, config.hiddenSize, { initStd: 0.02 / Math.sqrt(2 * config.numLayers) }));
    this.addModule('act', new Activation(config.activation));
    this.addModule('dropout', new Dropout(config.residDropout));
  }

  forward(x: tf.Tensor): tf.Tensor {
    let y = x;
    for (const name of ['c_fc', 'act', 'c_proj', 'dropout']) y = (this.getSubmodule(name) as TensorModule).call(y);
    return y;
  }
}

export class GPT2Block extends Module<AttentionInput, AttentionOutput> {
  constructor(config: GPT2Config, layerIndex: number) {
    super();
    this.addModule('ln_1', new LayerNorm(config.hiddenSize, { eps: config.layerNormEps }));
    this.addModule('attn', new GPT2Attention(config, layerIndex));
    this.addModule('ln_2', new LayerNorm(config.hiddenSize, { eps: config.layerNormEps }));
    this.addModule('mlp', new GPT2MLP(config));
  }

  get attn(): Module<AttentionInput, AttentionOutput> {
    return this.getSubmodule('attn') as unknown as Module<AttentionInput, AttentionOutput>;
  }

  forward(input: AttentionInput): AttentionOutput {
    const sub = (name: string) => this.getSubmodule(name) as TensorModule;
    const attention = this.attn.call({ ...input, hiddenStates: sub('ln_1').call(input.hiddenStates) });
    const afterAttention = tf.add(input.hiddenStates, attention.hiddenStates);
    const output = tf.add(afterAttention, sub('mlp').call(sub('ln_2').call(afterAttention)));
    return { hiddenStates: output, present: attention.present };
  }
}
