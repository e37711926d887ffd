/** PromptTuningConfig: peft's keys, defaults and checks. */
import { InvalidArgumentError, fields } from '@peftjs/core';
import { promptLearningSchema, type PromptLearningConfig } from '../shared/config';
import { attachOptions, type PromptLearningOptions } from '../shared/options';
import type { TokenizerLike } from './tokenizers';

export const PROMPT_TUNING = 'PROMPT_TUNING';

/** How the virtual tokens start: N(0, 1), embeddings of random vocabulary tokens, or of a text's tokens. */
export const PROMPT_TUNING_INITS = ['RANDOM', 'SAMPLE_VOCAB', 'TEXT'] as const;
export type PromptTuningInit = (typeof PROMPT_TUNING_INITS)[number];

const FIELDS = {
  prompt_tuning_init: fields.oneOf(PROMPT_TUNING_INITS, 'RANDOM'),
  prompt_tuning_init_text: fields.nullable(fields.string(undefined)),
  tokenizer_name_or_path: fields.nullable(fields.string(undefined)),
  tokenizer_kwargs: fields.nullable(fields.json<Record<string, unknown>>(undefined)),
};

export type PromptTuningConfig = PromptLearningConfig & {
  prompt_tuning_init: PromptTuningInit;
  prompt_tuning_init_text: string | null;
  tokenizer_name_or_path: string | null;
  tokenizer_kwargs: Record<string, unknown> | null;
};

/** peft's __post_init__ checks: TEXT needs the text and the tokenizer's name (Python peft loads the tokenizer by it). */
function validate(config: PromptTuningConfig): void {
  const fail = (message: string) => {
    throw new InvalidArgumentError(`${PROMPT_TUNING} config: ${message}`);
  };
  if (config.prompt_tuning_init === 'TEXT') {
    if (!config.tokenizer_name_or_path) fail(`'tokenizer_name_or_path': expected a tokenizer name when prompt_tuning_init is 'TEXT', found ${JSON.stringify(config.tokenizer_name_or_path)}`);
    if (config.prompt_tuning_init_text === null) fail("'prompt_tuning_init_text': expected the text to initialise from when prompt_tuning_init is 'TEXT', found null");
  } else if (config.tokenizer_kwargs) {
    fail(`'tokenizer_kwargs' is only valid with prompt_tuning_init 'TEXT', found prompt_tuning_init '${config.prompt_tuning_init}'`);
  }
}

export const promptTuningConfigSchema = promptLearningSchema<typeof FIELDS, PromptTuningConfig>(PROMPT_TUNING, FIELDS, validate);

/** What the config helper accepts: peft's keys, num_virtual_tokens required. */
export type PromptTuningConfigInput = Partial<Omit<PromptTuningConfig, 'peft_type'>> & { num_virtual_tokens: number };

export interface PromptTuningOptions extends PromptLearningOptions {
  /** Turns prompt_tuning_init_text into token ids (TEXT init). Else the one registered under tokenizer_name_or_path. */
  readonly tokenizer?: TokenizerLike;
}

/**
 * A PROMPT_TUNING config for getPeftModel / addAdapter, with options that
 * JSON cannot hold (the tokenizer) carried beside it, never saved.
 */
export function promptTuningConfig(config: PromptTuningConfigInput, options?: PromptTuningOptions): Record<string, unknown> {
  return attachOptions({ ...config, peft_type: PROMPT_TUNING }, options);
}
