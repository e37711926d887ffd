/**
 * BertEmbeddings: word + position (+ token type) embeddings, then LayerNorm and
 * dropout. The same module serves RoBERTa, whose positions count after the
 * padding id, and DistilBERT, which has no token types (`typeVocabSize` 0).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Dropout, Embedding, InvalidArgumentError, LayerNorm, Module, ShapeMismatchError } from '@peftjs/core';
import { ModelConfigError } from '../errors';
import type { TensorModule } from '../layers/tensor-module';
import { checkTokenIds, embedTokens, positionIdsOf, type ResolvedShape } from '../transformer/inputs';
import type { TransformerInput } from '../transformer/types';
import type { BertConfig } from './config';
import { BERT_LAYOUT, type EncoderLayout } from './layout';

export interface BertInput extends TransformerInput {
  /** int32 [batch, seq] segment ids (sentence A = 0, B = 1); default all 0. Not for DistilBERT. */
  readonly tokenTypeIds?: tf.Tensor;
}

export interface EmbeddingsInput {
  readonly input: BertInput;
  readonly shape: ResolvedShape;
}

export class BertEmbeddings extends Module<EmbeddingsInput, tf.Tensor> {
  constructor(
    readonly config: BertConfig,
    readonly layout: EncoderLayout = BERT_LAYOUT,
  ) {
    super();
    if (layout.positionsAfterPadding && config.padTokenId === undefined) {
      throw new ModelConfigError('padTokenId', `a token id: ${layout.modelType} numbers positions after the padding id`, null);
    }
    this.addModule('word_embeddings', new Embedding(config.vocabSize, config.hiddenSize, { initStd: 0.02 }));
    this.addModule('position_embeddings', new Embedding(config.maxPositions, config.hiddenSize, { initStd: 0.02 }));
    if (config.typeVocabSize > 0) this.addModule('token_type_embeddings', new Embedding(config.typeVocabSize, config.hiddenSize, { initStd: 0.02 }));
    this.addModule('LayerNorm', new LayerNorm(config.hiddenSize, { eps: config.layerNormEps }));
    this.addModule('dropout', new Dropout(config.hiddenDropout));
  }

  forward({ input, shape }: EmbeddingsInput): tf.Tensor {
    if (this.config.typeVocabSize === 0 && input.tokenTypeIds !== undefined) {
      throw new InvalidArgumentError(`tokenTypeIds: expected none, ${this.layout.modelType} has no token type embeddings (typeVocabSize 0)`);
    }
    const sub = (name: string) => this.getSubmodule(name) as TensorModule;
    let sum = tf.add(embedTokens(input, this.config.vocabSize, sub('word_embeddings')), sub('position_embeddings').call(this.positionIds(input, shape)));
    if (this.config.typeVocabSize > 0) sum = tf.add(sum, sub('token_type_embeddings').call(this.tokenTypeIds(input, shape)));
    return sub('dropout').call(sub('LayerNorm').call(sum));
  }

  private positionIds(input: BertInput, shape: ResolvedShape): tf.Tensor {
    if (!this.layout.positionsAfterPadding || input.positionIds !== undefined) return positionIdsOf(input, shape, this.config.maxPositions);
    const padding = this.config.padTokenId!;
    // Hugging Face numbers embeddings given directly from padding + 1 on, past or not: it cannot see padding in them.
    if (input.inputIds === undefined) return tf.reshape(tf.range(padding + 1, padding + 1 + shape.seq, 1, 'int32'), [1, shape.seq]);
    return tf.tensor2d(positionsAfterPadding(input.inputIds.dataSync(), shape, padding), [shape.batch, shape.seq], 'int32');
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

/** The position id of a sequence's first token (with no past), as the layout numbers positions. */
export function firstPositionId(config: BertConfig, layout: EncoderLayout): number {
  return layout.positionsAfterPadding ? (config.padTokenId ?? 0) + 1 : 0;
}

/**
 * RoBERTa's position ids (fairseq's make_positions, Hugging Face's
 * create_position_ids_from_input_ids): padding tokens get `padding`, the k-th
 * real token of a row (k = 1, 2, ...) gets `padding + pastLength + k`.
 */
export function positionsAfterPadding(ids: ArrayLike<number>, { batch, seq, pastLength }: ResolvedShape, padding: number): Int32Array {
  const positions = new Int32Array(batch * seq);
  for (let row = 0; row < batch; row++) {
    let count = 0;
    for (let j = 0; j < seq; j++) {
      const at = row * seq + j;
      positions[at] = ids[at] === padding ? padding : padding + pastLength + ++count;
    }
  }
  return positions;
}
