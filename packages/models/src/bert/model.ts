/**
 * BertModel: `embeddings`, the layers under `encoder.layer.N`, and the `pooler`
 * over the first token. RobertaModel and DistilBertModel are the same encoder
 * in their layouts (layout.ts): RoBERTa's names are BERT's under `roberta.`,
 * with positions after the padding id; DistilBERT's layers are
 * `transformer.layer.N` with its own part names, and it has no pooler.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Activation, Linear, Module, ModuleDict } from '@peftjs/core';
import { ModelConfigError } from '../errors';
import type { TensorModule } from '../layers/tensor-module';
import { attentionBias } from '../transformer/attention';
import { resolveShape } from '../transformer/inputs';
import { tidyOutput } from '../transformer/tidy-output';
import type { AttentionInput, AttentionOutput, BaseModelOutput, KeyValue } from '../transformer/types';
import type { BertConfig } from './config';
import { BertEmbeddings, firstPositionId, type BertInput, type EmbeddingsInput } from './embeddings';
import { BertLayer } from './layer';
import { BERT_LAYOUT, DISTILBERT_LAYOUT, ROBERTA_LAYOUT, type EncoderLayout } from './layout';

export type BertModelOutput = BaseModelOutput & {
  /** tanh(dense(first token)) [batch, hiddenSize], when the model has a pooler. */
  readonly poolerOutput?: tf.Tensor;
};

/** Holds `layer.N` (BERT's `encoder`, DistilBERT's `transformer`); the model runs them, to thread the mask and past through. */
export class BertEncoder extends ModuleDict {}

/** hidden [batch, seq, width] -> [batch, width]: the first token's, where BERT puts [CLS] and RoBERTa <s>. */
export function firstToken(hidden: tf.Tensor): tf.Tensor {
  const [batch, , width] = hidden.shape;
  return tf.reshape(tf.slice(hidden, [0, 0, 0], [batch, 1, width]), [batch, width]);
}

export class BertPooler extends Module {
  constructor(config: BertConfig) {
    super();
    this.addModule('dense', new Linear(config.hiddenSize, config.hiddenSize));
    this.addModule('activation', new Activation('tanh'));
  }

  /** hidden [batch, seq, hiddenSize] -> [batch, hiddenSize] from the first token. */
  forward(hidden: tf.Tensor): tf.Tensor {
    return (this.getSubmodule('activation') as TensorModule).call((this.getSubmodule('dense') as TensorModule).call(firstToken(hidden)));
  }
}

export interface BertModelOptions {
  /** Build `pooler` (default true; BertForSequenceClassification needs it, RoBERTa's classifier does not). */
  readonly addPoolingLayer?: boolean;
}

export class BertModel extends Module<BertInput, BertModelOutput> {
  readonly hasPooler: boolean;

  constructor(
    readonly config: BertConfig,
    options: BertModelOptions = {},
    /** Module names and position numbering; RobertaModel and DistilBertModel pass theirs. */
    readonly layout: EncoderLayout = BERT_LAYOUT,
  ) {
    super();
    this.addModule('embeddings', new BertEmbeddings(config, layout));
    const layers = new ModuleDict();
    this.addModule(layout.layers, new BertEncoder()).set('layer', layers);
    for (let i = 0; i < config.numLayers; i++) layers.set(String(i), new BertLayer(config, layout.layer));
    this.hasPooler = options.addPoolingLayer ?? true;
    if (this.hasPooler) this.addModule('pooler', new BertPooler(config));
  }

  /** The token embedding `embeddings.word_embeddings`. */
  getInputEmbeddings(): TensorModule {
    return this.getSubmodule('embeddings.word_embeddings') as TensorModule;
  }

  forward(input: BertInput): BertModelOutput {
    const shape = resolveShape(input, this.config, firstPositionId(this.config, this.layout));
    return tidyOutput(() => {
      const embeddings = this.getSubmodule('embeddings') as unknown as Module<EmbeddingsInput, tf.Tensor>;
      let hidden = embeddings.call({ input, shape });
      const bias = attentionBias({
        batch: shape.batch,
        queryLength: shape.seq,
        keyLength: shape.pastLength + shape.seq,
        attentionMask: input.attentionMask,
        causal: false,
      });
      const useCache = input.useCache ?? false;
      const presents: KeyValue[] = [];
      const hiddenStates: tf.Tensor[] = [hidden];
      for (let i = 0; i < this.config.numLayers; i++) {
        const layer = this.getSubmodule(`${this.layout.layers}.layer.${i}`) as unknown as Module<AttentionInput, AttentionOutput>;
        const out = layer.call({ hiddenStates: hidden, bias, past: input.pastKeyValues?.[i], useCache });
        hidden = out.hiddenStates;
        hiddenStates.push(hidden);
        if (out.present) presents.push(out.present);
      }
      return {
        lastHiddenState: hidden,
        poolerOutput: this.hasPooler ? (this.getSubmodule('pooler') as TensorModule).call(hidden) : undefined,
        pastKeyValues: useCache ? presents : undefined,
        hiddenStates: input.outputHiddenStates ? hiddenStates : undefined,
      };
    });
  }
}

/** RobertaModel: BERT's modules and names, positions numbered after the padding id (`padTokenId` required). */
export class RobertaModel extends BertModel {
  constructor(config: BertConfig, options: BertModelOptions = {}) {
    super(config, options, ROBERTA_LAYOUT);
  }
}

/** DistilBertModel: `embeddings` (no token types), `transformer.layer.N`, no pooler. */
export class DistilBertModel extends BertModel {
  constructor(config: BertConfig) {
    if (config.typeVocabSize !== 0) {
      throw new ModelConfigError('typeVocabSize', '0: DistilBERT has no token type embeddings (distilBertConfig() sets it)', config.typeVocabSize);
    }
    super(config, { addPoolingLayer: false }, DISTILBERT_LAYOUT);
  }
}
