/**
 * One BERT encoder layer, with Hugging Face's module names: post-norm attention
 * (`attention.self.query/key/value`, `attention.output.dense/LayerNorm`) and
 * feed-forward (`intermediate.dense`, `output.dense/LayerNorm`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Activation, Dropout, LayerNorm, Linear, Module } from '@peftjs/core';
import type { TensorModule } from '../layers/tensor-module';
import type { AttentionInput, AttentionOutput } from '../transformer/types';
import { appendKeyValue, mergeHeads, scaledDotProductAttention, splitHeads } from '../transformer/attention';
import type { BertConfig } from './config';

export class BertSelfAttention extends Module<AttentionInput, AttentionOutput> {
  constructor(readonly config: BertConfig) {
    super();
    for (const name of ['query', 'key', 'value']) this.addModule(name, new Linear(config.hiddenSize, config.hiddenSize));
    this.addModule('dropout', new Dropout(config.attentionDropout));
  }

  forward({ hiddenStates, bias, past, useCache }: AttentionInput): AttentionOutput {
    const { numHeads, hiddenSize } = this.config;
    const project = (name: string) => splitHeads((this.getSubmodule(name) as TensorModule).call(hiddenStates), numHeads);
    const all = appendKeyValue(past, project('key'), project('value'));
    const dropout = this.getSubmodule('dropout') as TensorModule;
    const context = scaledDotProductAttention(project('query'), all.key, all.value, bias, 1 / Math.sqrt(hiddenSize / numHeads), (p) => dropout.call(p));
    return { hiddenStates: mergeHeads(context), present: useCache ? all : undefined };
  }
}

export interface ResidualInput {
  readonly hiddenStates: tf.Tensor;
  /** The sublayer's input, added back before the norm. */
  readonly residual: tf.Tensor;
}

/** dense -> dropout -> LayerNorm(x + residual): BertSelfOutput and BertOutput are this with different widths. */
export class BertResidualOutput extends Module<ResidualInput, tf.Tensor> {
  constructor(inSize: number, config: BertConfig) {
    super();
    this.addModule('dense', new Linear(inSize, config.hiddenSize));
    this.addModule('LayerNorm', new LayerNorm(config.hiddenSize, { eps: config.layerNormEps }));
    this.addModule('dropout', new Dropout(config.hiddenDropout));
  }

  forward({ hiddenStates, residual }: ResidualInput): tf.Tensor {
    const sub = (name: string) => this.getSubmodule(name) as TensorModule;
    return sub('LayerNorm').call(tf.add(sub('dropout').call(sub('dense').call(hiddenStates)), residual));
  }
}

export class BertAttention extends Module<AttentionInput, AttentionOutput> {
  constructor(config: BertConfig) {
    super();
    this.addModule('self', new BertSelfAttention(config));
    this.addModule('output', new BertResidualOutput(config.hiddenSize, config));
  }

  forward(input: AttentionInput): AttentionOutput {
    const attended = (this.getSubmodule('self') as unknown as Module<AttentionInput, AttentionOutput>).call(input);
    const output = this.getSubmodule('output') as unknown as Module<ResidualInput, tf.Tensor>;
    return { hiddenStates: output.call({ hiddenStates: attended.hiddenStates, residual: input.hiddenStates }), present: attended.present };
  }
}

export class BertIntermediate extends Module {
  constructor(config: BertConfig) {
    super();
    this.addModule('dense', new Linear(config.hiddenSize, config.intermediateSize));
    this.addModule('intermediate_act_fn', new Activation(config.activation));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return (this.getSubmodule('intermediate_act_fn') as TensorModule).call((this.getSubmodule('dense') as TensorModule).call(x));
  }
}

export class BertLayer extends Module<AttentionInput, AttentionOutput> {
  constructor(config: BertConfig) {
    super();
    this.addModule('attention', new BertAttention(config));
    this.addModule('intermediate', new BertIntermediate(config));
    this.addModule('output', new BertResidualOutput(config.intermediateSize, config));
  }

  forward(input: AttentionInput): AttentionOutput {
    const attention = (this.getSubmodule('attention') as unknown as Module<AttentionInput, AttentionOutput>).call(input);
    const intermediate = (this.getSubmodule('intermediate') as TensorModule).call(attention.hiddenStates);
    const output = this.getSubmodule('output') as unknown as Module<ResidualInput, tf.Tensor>;
    return { hiddenStates: output.call({ hiddenStates: intermediate, residual: attention.hiddenStates }), present: attention.present };
  }
}
