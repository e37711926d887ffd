/** Checks and defaults for `TransformerInput`, shared by GPT-2 and BERT. */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, type Module } from '@peftjs/core';
import { checkTokenIds } from './token-ids';
import type { KeyValue, TransformerDims, TransformerInput } from './types';

export { checkTokenIds } from './token-ids';

export interface ResolvedShape {
  batch: number;
  seq: number;
  pastLength: number;
}

/**
 * Batch and sequence length of the call, and the length of the past, after
 * checking that exactly one of `inputIds`/`inputsEmbeds` is given, that the past
 * has one entry per layer, and that every position has a position embedding
 * (positions counted from `firstPosition`: RoBERTa's start after its padding id).
 */
export function resolveShape(input: TransformerInput, dims: TransformerDims, firstPosition = 0): ResolvedShape {
  const { inputIds, inputsEmbeds, pastKeyValues } = input;
  if ((inputIds === undefined) === (inputsEmbeds === undefined)) {
    throw new InvalidArgumentError(`expected exactly one of inputIds and inputsEmbeds, found ${inputIds ? 'both' : 'neither'}`);
  }
  let batch: number;
  let seq: number;
  if (inputIds !== undefined) {
    if (inputIds.rank !== 2) throw new ShapeMismatchError('inputIds [batch, seq]', [null, null], inputIds.shape);
    [batch, seq] = inputIds.shape as number[];
  } else {
    const embeds = inputsEmbeds as tf.Tensor;
    if (embeds.rank !== 3 || embeds.shape[2] !== dims.hiddenSize) {
      throw new ShapeMismatchError('inputsEmbeds [batch, seq, hiddenSize]', [null, null, dims.hiddenSize], embeds.shape);
    }
    [batch, seq] = embeds.shape as number[];
  }
  const pastLength = pastLengthOf(pastKeyValues, dims.numLayers);
  if (firstPosition + pastLength + seq > dims.maxPositions) {
    const from = firstPosition > 0 ? ` from position ${firstPosition}` : '';
    throw new InvalidArgumentError(
      `sequence: past length ${pastLength} + input length ${seq} = ${pastLength + seq} positions${from}, over the model's maxPositions ${dims.maxPositions}`,
    );
  }
  return { batch, seq, pastLength };
}

function pastLengthOf(past: readonly KeyValue[] | undefined, numLayers: number): number {
  if (past === undefined) return 0;
  if (past.length !== numLayers) {
    throw new InvalidArgumentError(`pastKeyValues: expected one entry per layer (${numLayers}), found ${past.length}`);
  }
  const length = past[0].key.shape[2] as number;
  past.forEach(({ key, value }, layer) => {
    for (const [what, tensor] of [['key', key], ['value', value]] as const) {
      if (tensor.rank !== 4 || tensor.shape[2] !== length) {
        throw new ShapeMismatchError(`pastKeyValues[${layer}].${what} [batch, heads, length, headDim]`, [null, null, length, null], tensor.shape);
      }
    }
  });
  return length;
}

/** Token embeddings of `inputIds` (checked against the vocabulary), or `inputsEmbeds` as given. */
export function embedTokens(input: TransformerInput, vocabSize: number, embedding: Module<tf.Tensor, tf.Tensor>): tf.Tensor {
  if (input.inputsEmbeds !== undefined) return input.inputsEmbeds;
  const ids = input.inputIds as tf.Tensor;
  checkTokenIds(ids, vocabSize, 'inputIds');
  return embedding.call(ids);
}

/** Explicit position ids, or pastLength .. pastLength + seq - 1 for every row ([1, seq], broadcast). */
export function positionIdsOf(input: TransformerInput, shape: ResolvedShape, maxPositions: number): tf.Tensor {
  if (input.positionIds !== undefined) {
    const ids = input.positionIds;
    if (ids.rank !== 2 || ids.shape[1] !== shape.seq || (ids.shape[0] !== shape.batch && ids.shape[0] !== 1)) {
      throw new ShapeMismatchError('positionIds [batch, seq]', [shape.batch, shape.seq], ids.shape);
    }
    checkTokenIds(ids, maxPositions, 'positionIds');
    return ids;
  }
  return tf.reshape(tf.range(shape.pastLength, shape.pastLength + shape.seq, 1, 'int32'), [1, shape.seq]);
}
