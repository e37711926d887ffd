/**
 * LoHaConfig: peft's `LoHaConfig` keys and defaults, as a declarative schema
 * core parses. Keys of newer peft versions (exclude_modules, use_khatri_rao,
 * r2) are written only when set, so files load in older peft too. peft's ABBA
 * options (init_weights "abba", use_khatri_rao, r2) change what LoHa computes
 * and are refused when they ask for it, rather than ignored.
 */
import { InvalidArgumentError, defineConfigSchema, fields, quoteValue, type ConfigSchema, type Field } from '@peftjs/core';
import { LYCORIS_FIELDS, validateLycoris, type LycorisConfig, type UnsupportedSetting } from '../lycoris/config';

export const LOHA = 'LOHA';

const initWeightsField: Field<boolean> = {
  description: 'true or false',
  defaultValue: true,
  parse(value, key) {
    if (typeof value === 'boolean') return value;
    if (value === 'abba') throw new InvalidArgumentError(`${LOHA} config '${key}': "abba" (SVD initialisation from the base weight) is not supported by peftjs; expected true or false`);
    throw new InvalidArgumentError(`${LOHA} config '${key}': expected true or false, found ${quoteValue(value)}`);
  },
};

const FIELDS = {
  ...LYCORIS_FIELDS,
  init_weights: initWeightsField,
  // ABBA's keys (newer peft): parsed so their neutral values load quietly; others are refused below.
  use_khatri_rao: fields.union<boolean | 'auto'>('true, false or "auto"', 'auto', [fields.boolean(undefined), fields.oneOf(['auto'] as const, undefined)]),
  r2: fields.nullable(fields.positiveInteger(undefined)),
};

export type LohaConfig = LycorisConfig & { init_weights: boolean; use_khatri_rao: boolean | 'auto'; r2: number | null };

const UNSUPPORTED: UnsupportedSetting[] = [
  // Khatri-Rao's scaling is (alpha / sqrt(r)) * (alpha / sqrt(r2)), not alpha / r.
  { key: 'use_khatri_rao', what: 'ABBA Khatri-Rao scaling', isSet: (value) => value !== false && value !== 'auto' },
  { key: 'r2', what: 'a second Hadamard rank', isSet: (value, config) => value !== null && value !== config.r },
];

const schema = defineConfigSchema(LOHA, FIELDS, (config) => validateLycoris(LOHA, config as unknown as LohaConfig, UNSUPPORTED));

export const lohaConfigSchema: ConfigSchema<LohaConfig> = { ...schema, newerKeys: ['exclude_modules', 'use_khatri_rao', 'r2'] } as unknown as ConfigSchema<LohaConfig>;
