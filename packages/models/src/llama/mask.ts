/**
 * The additive attention bias of the decoder: causal, optionally limited to a
 * sliding window (Mistral: query i sees keys i - window + 1 .. i, as
 * transformers' sliding_window_overlay `kv_idx > q_idx - window`), plus the
 * padding of the attention mask. Positions are cache indices (past length +
 * i), as transformers builds its masks, so left padding changes nothing here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attentionBias, MASKED_SCORE } from '../transformer/attention';

export interface DecoderBiasOptions {
  readonly batch: number;
  readonly queryLength: number;
  readonly keyLength: number;
  readonly attentionMask?: tf.Tensor;
  readonly slidingWindow?: number;
}

export function decoderBias(options: DecoderBiasOptions): tf.Tensor | undefined {
  const { batch, queryLength, keyLength, attentionMask, slidingWindow } = options;
  if (slidingWindow === undefined || slidingWindow >= keyLength) return attentionBias({ batch, queryLength, keyLength, attentionMask, causal: true });
  return tf.tidy(() => {
    const pastLength = keyLength - queryLength;
    const values = new Float32Array(queryLength * keyLength);
    for (let i = 0; i < queryLength; i++) {
      const position = pastLength + i;
      for (let j = 0; j < keyLength; j++) if (j > position || j <= position - slidingWindow) values[i * keyLength + j] = MASKED_SCORE;
    }
    const windowed = tf.tensor4d(values, [1, 1, queryLength, keyLength]);
    const padding = attentionBias({ batch, queryLength, keyLength, attentionMask, causal: false });
    return padding === undefined ? windowed : tf.add(windowed, padding);
  });
}
