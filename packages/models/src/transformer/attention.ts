/**
 * Multi-head scaled dot-product attention shared by GPT-2 and BERT, with the
 * additive masks both build (causal for the decoder, padding for both) and the
 * key/value concatenation that prefix tuning and the generation cache rely on.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError, matMul } from '@peftjs/core';
import type { KeyValue } from './types';

/**
 * Added to the scores of positions that may not be attended to. Large enough to
 * zero them after softmax, small enough that a causal and a padding mask can be
 * summed without overflowing to -Infinity (which would turn a fully masked row into NaN).
 */
export const MASKED_SCORE = -1e9;

/** [batch, seq, numHeads * headDim] -> [batch, numHeads, seq, headDim]. */
export function splitHeads(x: tf.Tensor, numHeads: number): tf.Tensor {
  const [batch, seq, width] = x.shape;
  return tf.transpose(tf.reshape(x, [batch, seq, numHeads, width / numHeads]), [0, 2, 1, 3]);
}

/** [batch, numHeads, seq, headDim] -> [batch, seq, numHeads * headDim]. */
export function mergeHeads(x: tf.Tensor): tf.Tensor {
  const [batch, numHeads, seq, headDim] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [batch, seq, numHeads * headDim]);
}

/** Prepends a past KeyValue (if any) to this call's keys and values along the length axis. */
export function appendKeyValue(past: KeyValue | undefined, key: tf.Tensor, value: tf.Tensor): KeyValue {
  if (past === undefined) return { key, value };
  for (const [what, cached, fresh] of [['key', past.key, key], ['value', past.value, value]] as const) {
    const [batch, heads, , headDim] = fresh.shape;
    if (cached.rank !== 4 || cached.shape[0] !== batch || cached.shape[1] !== heads || cached.shape[3] !== headDim) {
      throw new ShapeMismatchError(`past ${what}`, [batch, heads, null, headDim], cached.shape);
    }
  }
  return { key: tf.concat([past.key, key], 2), value: tf.concat([past.value, value], 2) };
}

export interface AttentionBiasOptions {
  batch: number;
  queryLength: number;
  /** pastLength + queryLength. */
  keyLength: number;
  /** [batch, keyLength] of 1 (attend) and 0 (padding). */
  attentionMask?: tf.Tensor;
  /** Query i (absolute position pastLength + i) sees keys up to its own position only. */
  causal: boolean;
}

/**
 * The additive bias [batch or 1, 1, queryLength, keyLength] for the attention
 * scores, or undefined when nothing is masked.
 */
export function attentionBias(options: AttentionBiasOptions): tf.Tensor | undefined {
  const { batch, queryLength, keyLength, attentionMask, causal } = options;
  let bias: tf.Tensor | undefined;
  if (causal) {
    const pastLength = keyLength - queryLength;
    const values = new Float32Array(queryLength * keyLength);
    for (let i = 0; i < queryLength; i++) {
      for (let j = pastLength + i + 1; j < keyLength; j++) values[i * keyLength + j] = MASKED_SCORE;
    }
    bias = tf.tensor4d(values, [1, 1, queryLength, keyLength]);
  }
  if (attentionMask !== undefined) {
    if (attentionMask.rank !== 2 || attentionMask.shape[0] !== batch || attentionMask.shape[1] !== keyLength) {
      throw new ShapeMismatchError('attentionMask (past length + sequence length)', [batch, keyLength], attentionMask.shape);
    }
    const padding = tf.reshape(tf.mul(tf.sub(1, tf.cast(attentionMask, 'float32')), MASKED_SCORE), [batch, 1, 1, keyLength]);
    bias = bias === undefined ? padding : tf.add(bias, padding);
  }
  return bias;
}

/**
 * softmax(q kᵀ · scale + bias) v for q [b, h, s, d], k and v [b, h, t, d].
 * `dropProbabilities` is applied to the attention probabilities (a Dropout module's call).
 */
export function scaledDotProductAttention(
  query: tf.Tensor,
  key: tf.Tensor,
  value: tf.Tensor,
  bias: tf.Tensor | undefined,
  scale: number,
  dropProbabilities: (probabilities: tf.Tensor) => tf.Tensor = (p) => p,
): tf.Tensor {
  let scores = tf.mul(matMul(query, key, false, true), scale);
  if (bias !== undefined) scores = tf.add(scores, bias);
  return tf.matMul(dropProbabilities(tf.softmax(scores, -1)), value);
}
