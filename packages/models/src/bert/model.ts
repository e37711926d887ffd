/** BertModel: `embeddings`, `encoder.layer.N`, and the `pooler` over the first token. */
import * as tf from '@tensorflow/tfjs-core';
import { Activation, Linear, Module, ModuleDict } from '@peftjs/core';
import type { TensorModule } from '../layers/tensor-module';
import { attentionBias } from '../transformer/attention';
import { resolveShape } from '../transformer/inputs';
import { tidyOutput } from '../transformer/tidy-output';
import type { AttentionInput, AttentionOutput, BaseModelOutput, KeyValue } from '../transformer/types';
import type { BertConfig } from './config';
import { BertEmbeddings, type BertInput, type EmbeddingsInput } from './embeddings';
import { BertLayer } from './layer';

export type BertModelOutput = BaseModelOutput & {
  /** tanh(dense(first token)) [batch, hiddenSize], when the model has a pooler. */
  readonly poolerOutput?: tf.Tensor;
};

/** Holds `layer.N`; BertModel runs them, so that it can thread the mask and past through. */
export class BertEncoder extends ModuleDict {}

export class BertPooler extends Module {
  constructor(config: BertConfig) {
    super();
    this.addModule('dense', new Linear(config.hiddenSize, config.hiddenSize));
    this.addModule('activation', new Activation('tanh'));
  }

  /** hidden [batch, seq, hiddenSize] -> [batch, hiddenSize] from the first token. */
  forward(hidden: tf.Tensor): tf.Tensor {
    const [batch, , width] = hidden.shape;
    const first = tf.reshape(tf.slice(hidden, [0, 0, 0], [batch, 1, width]), [batch, width]);
    return (this.getSubmodule('activation') as TensorModule).call((this.getSubmodule('dense') as TensorModule).call(first));
  }
}

export interface BertModelOptions {
  /** Build `pooler` (default true; BertForSequenceClassification needs it). */
  readonly addPoolingLayer?: boolean;
}

export class BertModel extends Module<BertInput, BertModelOutput> {
  readonly hasPooler: boolean;

  constructor(
    readonly config: BertConfig,
    options: BertModelOptions = {},
  ) {
    super();
    this.addModule('embeddings', new BertEmbeddings(config));
    const layers = new ModuleDict();
    this.addModule('encoder', new BertEncoder()).set('layer', layers);
    for (let i = 0; i < config.numLayers; i++) layers.set(String(i), new BertLayer(config));
    this.hasPooler = options.addPoolingLayer ?? true;
    if (this.hasPooler) this.addModule('pooler', new BertPooler(config));
  }

  /** The token embedding `embeddings.word_embeddings`. */
  getInputEmbeddings(): TensorModule {
    return this.getSubmodule('embeddings.word_embeddings') as TensorModule;
  }

  forward(input: BertInput): BertModelOutput {
    const shape = resolveShape(input, this.config);
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
        const layer = this.getSubmodule(`encoder.layer.${i}`) as unknown as Module<AttentionInput, AttentionOutput>;
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
