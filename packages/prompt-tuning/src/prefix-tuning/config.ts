/** PrefixTuningConfig: peft's keys, defaults and checks. */
import { fields } from '@peftjs/core';
import { promptLearningSchema, type PromptLearningConfig } from '../shared/config';
import { attachOptions, type PromptLearningOptions } from '../shared/options';

export const PREFIX_TUNING = 'PREFIX_TUNING';

const FIELDS = {
  /** Width of the reparameterisation MLP; null: token_dim (filled in when injected). */
  encoder_hidden_size: fields.nullable(fields.positiveInteger(undefined)),
  /** Train the prefixes through an MLP (Li and Liang's reparameterisation), folded away for inference and saving. */
  prefix_projection: fields.boolean(false),
};

export type PrefixTuningConfig = PromptLearningConfig & {
  encoder_hidden_size: number | null;
  prefix_projection: boolean;
};

export const prefixTuningConfigSchema = promptLearningSchema<typeof FIELDS, PrefixTuningConfig>(PREFIX_TUNING, FIELDS);

export type PrefixTuningConfigInput = Partial<Omit<PrefixTuningConfig, 'peft_type'>> & { num_virtual_tokens: number };

/** A PREFIX_TUNING config for getPeftModel / addAdapter. */
export function prefixTuningConfig(config: PrefixTuningConfigInput, options?: PromptLearningOptions): Record<string, unknown> {
  return attachOptions({ ...config, peft_type: PREFIX_TUNING }, options);
}
