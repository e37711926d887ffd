/**
 * Sequence classifiers on the BERT-style encoders: the backbone under its
 * layout's name (`bert`, `roberta`, `distilbert`) and Hugging Face's head for
 * it, which is where the three differ:
 *
 * - BERT: `classifier(dropout(pooler(h)))`, the pooler in the backbone;
 * - RoBERTa: `classifier = { dense, dropout, out_proj }` on the first token,
 *   tanh between, no pooler (RobertaClassificationHead);
 * - DistilBERT: `classifier(dropout(relu(pre_classifier(first token))))`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Dropout, Linear, Module } from '@peftjs/core';
import type { TensorModule } from '../layers/tensor-module';
import { tidyOutput } from '../transformer/tidy-output';
import type { LogitsOutput } from '../transformer/types';
import type { BertConfig } from './config';
import type { BertInput } from './embeddings';
import { BertModel, DistilBertModel, RobertaModel, firstToken, type BertModelOutput } from './model';

/** A backbone and a head from its output to logits [batch, numLabels]. */
abstract class EncoderForSequenceClassification extends Module<BertInput, LogitsOutput> {
  private readonly backboneName: string;

  protected constructor(
    readonly config: BertConfig,
    backbone: BertModel,
  ) {
    super();
    this.backboneName = backbone.layout.backbone;
    this.addModule(this.backboneName, backbone);
  }

  /** The encoder (`bert`, `roberta` or `distilbert`). */
  get backbone(): BertModel {
    return this.getSubmodule(this.backboneName) as unknown as BertModel;
  }

  getInputEmbeddings(): TensorModule {
    return this.backbone.getInputEmbeddings();
  }

  forward(input: BertInput): LogitsOutput {
    return tidyOutput(() => {
      const output = this.backbone.call(input);
      return { logits: this.classify(output), pastKeyValues: output.pastKeyValues, hiddenStates: output.hiddenStates };
    });
  }

  protected sub(name: string): TensorModule {
    return this.getSubmodule(name) as TensorModule;
  }

  protected abstract classify(output: BertModelOutput): tf.Tensor;
}

/** BertForSequenceClassification: BertModel under `bert`, dropout, and `classifier` on the pooled first token. */
export class BertForSequenceClassification extends EncoderForSequenceClassification {
  constructor(config: BertConfig) {
    super(config, new BertModel(config));
    this.addModule('dropout', new Dropout(config.classifierDropout));
    this.addModule('classifier', new Linear(config.hiddenSize, config.numLabels));
  }

  get bert(): BertModel {
    return this.backbone;
  }

  protected classify({ poolerOutput }: BertModelOutput): tf.Tensor {
    return this.sub('classifier').call(this.sub('dropout').call(poolerOutput!));
  }
}

/** RoBERTa's `classifier`: hidden [batch, seq, hidden] -> logits from the first token (<s>). */
export class RobertaClassificationHead extends Module {
  constructor(config: BertConfig) {
    super();
    this.addModule('dense', new Linear(config.hiddenSize, config.hiddenSize));
    this.addModule('dropout', new Dropout(config.classifierDropout));
    this.addModule('out_proj', new Linear(config.hiddenSize, config.numLabels));
  }

  forward(hidden: tf.Tensor): tf.Tensor {
    const sub = (name: string) => this.getSubmodule(name) as TensorModule;
    const features = tf.tanh(sub('dense').call(sub('dropout').call(firstToken(hidden))));
    return sub('out_proj').call(sub('dropout').call(features));
  }
}

/** RobertaForSequenceClassification: RobertaModel (no pooler) under `roberta`, and RobertaClassificationHead as `classifier`. */
export class RobertaForSequenceClassification extends EncoderForSequenceClassification {
  constructor(config: BertConfig) {
    super(config, new RobertaModel(config, { addPoolingLayer: false }));
    this.addModule('classifier', new RobertaClassificationHead(config));
  }

  protected classify({ lastHiddenState }: BertModelOutput): tf.Tensor {
    return this.sub('classifier').call(lastHiddenState);
  }
}

/** DistilBertForSequenceClassification: DistilBertModel under `distilbert`, `pre_classifier`, ReLU, dropout, `classifier`. */
export class DistilBertForSequenceClassification extends EncoderForSequenceClassification {
  constructor(config: BertConfig) {
    super(config, new DistilBertModel(config));
    this.addModule('pre_classifier', new Linear(config.hiddenSize, config.hiddenSize));
    this.addModule('classifier', new Linear(config.hiddenSize, config.numLabels));
    this.addModule('dropout', new Dropout(config.classifierDropout));
  }

  protected classify({ lastHiddenState }: BertModelOutput): tf.Tensor {
    const pooled = tf.relu(this.sub('pre_classifier').call(firstToken(lastHiddenState)));
    return this.sub('classifier').call(this.sub('dropout').call(pooled));
  }
}
