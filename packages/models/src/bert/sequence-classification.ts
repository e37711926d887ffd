/** BertForSequenceClassification: BertModel under `bert`, dropout, and `classifier` on the pooled first token. */
import { Dropout, Linear, Module } from '@peftjs/core';
import type { TensorModule } from '../layers/tensor-module';
import { tidyOutput } from '../transformer/tidy-output';
import type { LogitsOutput } from '../transformer/types';
import type { BertConfig } from './config';
import type { BertInput } from './embeddings';
import { BertModel } from './model';

export class BertForSequenceClassification extends Module<BertInput, LogitsOutput> {
  constructor(readonly config: BertConfig) {
    super();
    this.addModule('bert', new BertModel(config));
    this.addModule('dropout', new Dropout(config.classifierDropout));
    this.addModule('classifier', new Linear(config.hiddenSize, config.numLabels));
  }

  get bert(): BertModel {
    return this.getSubmodule('bert') as unknown as BertModel;
  }

  getInputEmbeddings(): TensorModule {
    return this.bert.getInputEmbeddings();
  }

  /** logits [batch, numLabels]. */
  forward(input: BertInput): LogitsOutput {
    return tidyOutput(() => {
      const { poolerOutput, pastKeyValues, hiddenStates } = this.bert.call(input);
      const sub = (name: string) => this.getSubmodule(name) as TensorModule;
      return { logits: sub('classifier').call(sub('dropout').call(poolerOutput!)), pastKeyValues, hiddenStates };
    });
  }
}
