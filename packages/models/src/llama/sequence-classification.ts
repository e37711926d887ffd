/**
 * LlamaForSequenceClassification: LlamaModel under `model` and a bias-free
 * `score` head at each row's last real token (transformers' pooling, shared
 * with GPT-2: the rightmost non-pad token).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Linear, Module } from '@peftjs/core';
import { lastTokenIndices } from '../gpt2/sequence-classification';
import type { TensorModule } from '../layers/tensor-module';
import { tidyOutput } from '../transformer/tidy-output';
import type { LogitsOutput, TransformerInput } from '../transformer/types';
import type { LlamaConfig } from './config';
import { LlamaModel } from './model';

export class LlamaForSequenceClassification extends Module<TransformerInput, LogitsOutput> {
  constructor(readonly config: LlamaConfig) {
    super();
    this.addModule('model', new LlamaModel(config));
    this.addModule('score', new Linear(config.hiddenSize, config.numLabels, { bias: false }));
  }

  get model(): LlamaModel {
    return this.getSubmodule('model') as unknown as LlamaModel;
  }

  getInputEmbeddings(): TensorModule {
    return this.model.getInputEmbeddings();
  }

  /** logits [batch, numLabels]. */
  forward(input: TransformerInput): LogitsOutput {
    return tidyOutput(() => {
      const { lastHiddenState, pastKeyValues, hiddenStates } = this.model.call(input);
      const [batch, seq, hidden] = lastHiddenState.shape;
      const rows = lastTokenIndices(input, this.config.padTokenId, batch, seq).map((position, row) => row * seq + position);
      const pooled = tf.gather(tf.reshape(lastHiddenState, [batch * seq, hidden]), rows);
      const logits = (this.getSubmodule('score') as TensorModule).call(pooled);
      return { logits, pastKeyValues, hiddenStates };
    });
  }
}
