/**
 * LoKrConfig: peft's `LoKrConfig` keys and defaults (decompose_both,
 * decompose_factor, rank_dropout_scale besides the shared LyCORIS keys), as a
 * declarative schema core parses. Keys of newer peft versions (exclude_modules,
 * rank_dropout_scale) are written only when set.
 */
import { InvalidArgumentError, defineConfigSchema, fields, quoteValue, type ConfigSchema, type Field } from '@peftjs/core';
import { LYCORIS_FIELDS, validateLycoris, type LycorisConfig } from '../lycoris/config';

export const LOKR = 'LOKR';

/** true: peft's default (w1 zero); "lycoris": LyCORIS's (w2 zero); false: all random. */
export type LokrInitWeights = boolean | 'lycoris';

const initWeightsField: Field<LokrInitWeights> = {
  description: 'true, false or "lycoris"',
  defaultValue: true,
  parse(value, key) {
    if (typeof value === 'boolean' || value === 'lycoris') return value;
    throw new InvalidArgumentError(`${LOKR} config '${key}': expected true, false or "lycoris", found ${quoteValue(value)}`);
  },
};

const FIELDS = {
  ...LYCORIS_FIELDS,
  decompose_both: fields.boolean(false),
  decompose_factor: fields.number(-1, { integer: true }),
  rank_dropout_scale: fields.boolean(false),
  init_weights: initWeightsField,
};

export type LokrConfig = LycorisConfig & {
  decompose_both: boolean;
  decompose_factor: number;
  rank_dropout_scale: boolean;
  init_weights: LokrInitWeights;
};

const schema = defineConfigSchema(LOKR, FIELDS, (config) => validateLycoris(LOKR, config as unknown as LokrConfig, []));

export const lokrConfigSchema: ConfigSchema<LokrConfig> = { ...schema, newerKeys: ['exclude_modules', 'rank_dropout_scale'] } as unknown as ConfigSchema<LokrConfig>;
