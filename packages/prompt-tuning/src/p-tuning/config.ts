/** PromptEncoderConfig (peft_type P_TUNING): peft's keys, defaults and checks. */
import { InvalidArgumentError, fields } from '@peftjs/core';
import { promptLearningSchema, type PromptLearningConfig } from '../shared/config';
import { attachOptions, type PromptLearningOptions } from '../shared/options';

export const P_TUNING = 'P_TUNING';

export const ENCODER_REPARAMETERIZATION_TYPES = ['MLP', 'LSTM'] as const;
export type EncoderReparameterizationType = (typeof ENCODER_REPARAMETERIZATION_TYPES)[number];

const FIELDS = {
  encoder_reparameterization_type: fields.oneOf(ENCODER_REPARAMETERIZATION_TYPES, 'MLP'),
  /** Width of the encoder; null: token_dim (filled in when injected). */
  encoder_hidden_size: fields.nullable(fields.positiveInteger(undefined)),
  /** LSTM layers. The MLP has two hidden layers whatever this says, as in peft. */
  encoder_num_layers: fields.positiveInteger(2),
  /** Dropout between LSTM layers while training. */
  encoder_dropout: fields.number(0, { min: 0, max: 1 }),
};

export type PTuningConfig = PromptLearningConfig & {
  encoder_reparameterization_type: EncoderReparameterizationType;
  encoder_hidden_size: number | null;
  encoder_num_layers: number;
  encoder_dropout: number;
};

function validate(config: PTuningConfig): void {
  if (config.encoder_dropout >= 1) {
    throw new InvalidArgumentError(`${P_TUNING} config 'encoder_dropout': expected a number in [0, 1), found ${config.encoder_dropout}`);
  }
}

export const pTuningConfigSchema = promptLearningSchema<typeof FIELDS, PTuningConfig>(P_TUNING, FIELDS, validate);

export type PTuningConfigInput = Partial<Omit<PTuningConfig, 'peft_type'>> & { num_virtual_tokens: number };

/** A P_TUNING config for getPeftModel / addAdapter. */
export function pTuningConfig(config: PTuningConfigInput, options?: PromptLearningOptions): Record<string, unknown> {
  return attachOptions({ ...config, peft_type: P_TUNING }, options);
}
