/**
 * Initialisations of prompt tuning (peft's PromptTuningInit), as strategies
 * that name the vocabulary tokens whose embeddings the prompt starts from.
 * RANDOM keeps the embedding table's N(0, 1) draw.
 */
import * as tf from '@tensorflow/tfjs-core';
import { defaultGenerator, type Generator } from '@peftjs/core';
import { PromptInitError } from '../errors';
import type { PromptableModel } from '../shared/model';
import type { PromptTuningConfig, PromptTuningOptions } from './config';
import { tokenize } from './tokenizers';

/** Ids of `count` tokens drawn uniformly from the vocabulary (peft's SAMPLE_VOCAB). */
export function sampledVocabularyIds(count: number, vocabSize: number, rng: Generator): number[] {
  return Array.from({ length: count }, () => Math.min(vocabSize - 1, Math.floor(rng.uniform() * vocabSize)));
}

/** The text's token ids repeated or cut to `count`, as peft does for TEXT init. */
export function textIds(config: PromptTuningConfig, count: number, vocabSize: number, options: PromptTuningOptions): number[] {
  const text = config.prompt_tuning_init_text ?? '';
  const ids = tokenize(text, config.tokenizer_name_or_path, options.tokenizer);
  if (ids.length === 0) {
    throw new PromptInitError(`PROMPT_TUNING TEXT init: expected prompt_tuning_init_text to give at least one token, found none for ${JSON.stringify(text)}`);
  }
  const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize);
  if (bad !== undefined) {
    throw new PromptInitError(`PROMPT_TUNING TEXT init: expected token ids in [0, ${vocabSize - 1}] (the model's vocabulary), found ${bad}`);
  }
  return Array.from({ length: count }, (_, i) => ids[i % ids.length]);
}

/**
 * The initial prompt [count, token_dim] for SAMPLE_VOCAB and TEXT (embeddings
 * of vocabulary tokens, through the model's own input embedding), or undefined
 * for RANDOM. peft skips initialisation in inference mode: the file's values
 * replace it anyway.
 */
export function initialPrompt(config: PromptTuningConfig, model: PromptableModel, count: number, options: PromptTuningOptions): tf.Tensor | undefined {
  if (config.inference_mode || config.prompt_tuning_init === 'RANDOM') return undefined;
  const { vocabSize } = model.config;
  const ids =
    config.prompt_tuning_init === 'TEXT'
      ? textIds(config, count, vocabSize, options)
      : sampledVocabularyIds(count, vocabSize, options.rng ?? defaultGenerator());
  return tf.tidy(() => model.getInputEmbeddings().call(tf.tensor1d(ids, 'int32')));
}
