/** BertEmbeddings: word + position + token type embeddings, then LayerNorm and dropout. */
import * as tf from '@tensorflow/tfjs-core';
import { Dropout, Embedding, LayerNorm, Module, ShapeMismatchError } from '@peftjs/core';
import type { TensorModule } from '../layers/tensor-module';
import { checkTokenIds, embedTokens, positionIdsOf, type ResolvedShape } from '../transformer/inputs';
import type { TransformerInput } from '../transformer/types';
import type { BertConfig } from './config';

export interface BertInput extends TransformerInput {
  /** int32 [batch, seq] segment ids (sentence A = 0, B = 1); default all 0. */
  readonly tokenTypeIds?: tf.Tensor;
}

export interface EmbeddingsInput {
  readonly input: BertInput;
  readonly shape: ResolvedShape;
}

export class BertEmbeddings extends Module<EmbeddingsInput, tf.Tensor> {
  constructor(readonly config: BertConfig) {
    super();
    this.addModule('word_embeddings', new Embedding(config.vocabSize, config.hiddenSize, { initStd: 0.02 }));
    this.addModule('position_embeddings', new Embedding(config.maxPositions, config.hiddenSize, { initStd: 0.02 }));
    this.addModule('token_type_embeddings', new Embedding(config.typeVocabSize, config.hiddenSize, { initStd: 0.02 }));
    this.addModule('LayerNorm', new LayerNorm(config.hiddenSize, { eps: config.layerNormEps }));
    this.addModule('dropout', new Dropout(config.hiddenDropout));
  }

  forward({ input, shape }: EmbeddingsInput): tf.Tensor {
    const sub = (name: string) => this.getSubmodule(name) as TensorModule;
    const words = embedTokens(input, this.config.vocabSize, sub('word_embeddings'));
    const positions = sub('position_embeddings').call(positionIdsOf(input, shape, this.config.maxPositions));
    const types = sub('token_type_embeddings').call(this.tokenTypeIds(input, shape));
    return sub('dropout').call(sub('LayerNorm').call(tf.add(tf.add(words, types), positions)));
  }

  private tokenTypeIds(input: BertInput, { batch, seq }: ResolvedShape): tf.Tensor {
    const ids = input.tokenTypeIds;
    if (ids === undefined) return tf.zeros([batch, seq], 'int32');
    if (ids.rank !== 2 || ids.shape[0] !== batch || ids.shape[1] !== seq) {
      throw new ShapeMismatchError('tokenTypeIds [batch, seq]', [batch, seq], ids.shape);
    }
    checkTokenIds(ids, this.config.typeVocabSize, 'tokenTypeIds');
    return ids;
  }
}
