/**
 * The forward transform of prompt tuning and P-tuning: the encoder's output,
 * n virtual token embeddings, goes in front of the input embeddings.
 *
 * Outputs come back aligned with the caller's tokens: the n virtual positions
 * are cut from token-level outputs (`logits`, `lastHiddenState`,
 * `hiddenStates`). peft keeps them and pads the labels with -100 instead; here
 * a loss computed on the output never sees a virtual position, and code that
 * reads "the last position" (generation) works unchanged. The key/value cache
 * keeps them: the next call continues after them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardTransform } from '@peftjs/core';
import type { PromptLearningEncoder } from './encoder';
import { checkContext, checkTokenIds, maskWithVirtualTokens, positionsWithVirtualTokens, readInput, tidyOutput, type PromptInput } from './inputs';
import type { PromptableModel } from './model';

/** Output fields whose axis 1 runs over the tokens of the call. */
const TOKEN_ALIGNED_FIELDS = ['logits', 'lastHiddenState', 'hiddenStates'] as const;

export function prependPromptTransform(method: string, encoder: PromptLearningEncoder, model: PromptableModel): ForwardTransform {
  const count = encoder.rows;
  return (raw, next) => {
    const { input, shape } = readInput(raw, method);
    const { maxPositions, vocabSize } = model.config;
    checkContext(method, shape, count, maxPositions);
    if (shape.pastLength > 0) {
      // Continuing from a cache made by a prompted call: the virtual tokens are in it already.
      return tidyOutput(() =>
        next({
          ...input,
          attentionMask: maskWithVirtualTokens(input.attentionMask, shape.batch, count),
          positionIds: positionsWithVirtualTokens(input.positionIds, count, false),
        }),
      );
    }
    if (input.inputIds !== undefined) checkTokenIds(input.inputIds, vocabSize, method);
    return tidyOutput(() => {
      const tokens = input.inputsEmbeds ?? model.getInputEmbeddings().call(input.inputIds!);
      const prompts = tf.tile(tf.expandDims(encoder.call(), 0), [shape.batch, 1, 1]);
      const prompted: PromptInput = {
        ...input,
        inputIds: undefined,
        inputsEmbeds: tf.concat([tf.cast(prompts, tokens.dtype), tokens], 1),
        attentionMask: maskWithVirtualTokens(input.attentionMask, shape.batch, count),
        positionIds: positionsWithVirtualTokens(input.positionIds, count, true),
        tokenTypeIds: input.tokenTypeIds && tf.concat([tf.zeros([input.tokenTypeIds.shape[0], count], input.tokenTypeIds.dtype), input.tokenTypeIds], 1),
      };
      return dropVirtualPositions(next(prompted), count, count + shape.seq);
    });
  };
}

function dropFrom(tensor: unknown, count: number, promptedLength: number): unknown {
  if (!(tensor instanceof tf.Tensor) || tensor.rank < 3 || tensor.shape[1] !== promptedLength) return tensor;
  const rest = new Array<number>(tensor.rank - 2).fill(0);
  return tf.slice(tensor, [0, count, ...rest], [-1, -1, ...rest.map(() => -1)]);
}

/** The output without its first `count` positions on token-level fields (or on a token-level tensor output). */
export function dropVirtualPositions(output: unknown, count: number, promptedLength: number): unknown {
  if (output instanceof tf.Tensor) return dropFrom(output, count, promptedLength);
  if (typeof output !== 'object' || output === null) return output;
  const trimmed: Record<string, unknown> = { ...(output as Record<string, unknown>) };
  for (const field of TOKEN_ALIGNED_FIELDS) {
    if (!(field in trimmed)) continue;
    const value = trimmed[field];
    trimmed[field] = Array.isArray(value) ? value.map((t) => dropFrom(t, count, promptedLength)) : dropFrom(value, count, promptedLength);
  }
  return trimmed;
}
