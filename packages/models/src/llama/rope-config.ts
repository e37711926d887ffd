/**
 * `rope_scaling` of a Llama-family config.json, checked: the kinds
 * transformers' modeling_rope_utils implements that these models use
 * (default, linear, dynamic, llama3, yarn). Anything else, or a key that would
 * change the numbers and is not implemented, is a ModelConfigError naming it.
 */
import { ModelConfigError } from '../errors';
import { positiveInteger, positiveNumber, type JsonObject } from '../transformer/config-fields';

export type RopeScaling =
  | { readonly kind: 'default' }
  | { readonly kind: 'linear'; readonly factor: number }
  | { readonly kind: 'dynamic'; readonly factor: number }
  | {
      readonly kind: 'llama3';
      readonly factor: number;
      readonly lowFreqFactor: number;
      readonly highFreqFactor: number;
      readonly originalMaxPositions: number;
    }
  | {
      readonly kind: 'yarn';
      readonly factor: number;
      readonly originalMaxPositions: number;
      /** Multiplies cos and sin; default from the factor (and mscale, mscale_all_dim) as the paper suggests. */
      readonly attentionFactor: number;
      readonly betaFast: number;
      readonly betaSlow: number;
      /** Round the correction range to whole dimensions (default true). */
      readonly truncate: boolean;
    };

const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  default: [],
  linear: ['factor'],
  dynamic: ['factor', 'original_max_position_embeddings'],
  llama3: ['factor', 'low_freq_factor', 'high_freq_factor', 'original_max_position_embeddings'],
  yarn: ['factor', 'original_max_position_embeddings', 'attention_factor', 'beta_fast', 'beta_slow', 'mscale', 'mscale_all_dim', 'truncate'],
};

/** YaRN's attention temperature, 0.1 * mscale * ln(scale) + 1 (1 when not stretched). */
function yarnMscale(scale: number, mscale = 1): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

/**
 * Reads `rope_scaling` (null or absent: default). `maxPositions` is the
 * config's max_position_embeddings, which yarn and dynamic fall back to.
 */
export function readRopeScaling(raw: unknown, maxPositions: number): RopeScaling {
  if (raw === undefined || raw === null) return { kind: 'default' };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ModelConfigError('rope_scaling', 'an object or null', raw);
  const scaling = raw as JsonObject;
  // transformers reads `rope_type`, and older configs' `type`.
  const kind = scaling.rope_type ?? scaling.type;
  if (typeof kind !== 'string' || !Object.hasOwn(KNOWN_KEYS, kind)) {
    throw new ModelConfigError('rope_scaling.rope_type', `one of ${Object.keys(KNOWN_KEYS).join(', ')} (longrope and others are not implemented)`, kind);
  }
  const unknown = Object.keys(scaling).filter((key) => key !== 'rope_type' && key !== 'type' && !KNOWN_KEYS[kind].includes(key));
  if (unknown.length > 0) throw new ModelConfigError(`rope_scaling.${unknown[0]}`, `none of [${unknown.join(', ')}] for ${kind} (not implemented)`, scaling[unknown[0]]);
  const factor = () => {
    const value = positiveNumber(scaling.factor, 'rope_scaling.factor');
    if (value < 1) throw new ModelConfigError('rope_scaling.factor', 'a number >= 1', value);
    return value;
  };
  const original = () =>
    scaling.original_max_position_embeddings === undefined || scaling.original_max_position_embeddings === null
      ? maxPositions
      : positiveInteger(scaling.original_max_position_embeddings, 'rope_scaling.original_max_position_embeddings');
  switch (kind) {
    case 'default':
      return { kind };
    case 'linear':
      return { kind, factor: factor() };
    case 'dynamic':
      // transformers' dynamic NTK counts from max_position_embeddings, not from original_max_position_embeddings.
      return { kind, factor: factor() };
    case 'llama3': {
      const lowFreqFactor = positiveNumber(scaling.low_freq_factor, 'rope_scaling.low_freq_factor');
      const highFreqFactor = positiveNumber(scaling.high_freq_factor, 'rope_scaling.high_freq_factor');
      if (!(highFreqFactor > lowFreqFactor)) throw new ModelConfigError('rope_scaling.high_freq_factor', `a number > low_freq_factor ${lowFreqFactor}`, highFreqFactor);
      return { kind, factor: factor(), lowFreqFactor, highFreqFactor, originalMaxPositions: positiveInteger(scaling.original_max_position_embeddings, 'rope_scaling.original_max_position_embeddings') };
    }
    case 'yarn': {
      const originalMaxPositions = original();
      // transformers 5 takes `factor` as given and derives it only when absent (DeepSeek-V3 style configs).
      const given = scaling.factor === undefined || scaling.factor === null ? maxPositions / originalMaxPositions : factor();
      const mscale = scaling.mscale === undefined || scaling.mscale === null ? undefined : positiveNumber(scaling.mscale, 'rope_scaling.mscale');
      const mscaleAllDim = scaling.mscale_all_dim === undefined || scaling.mscale_all_dim === null ? undefined : positiveNumber(scaling.mscale_all_dim, 'rope_scaling.mscale_all_dim');
      const attentionFactor =
        scaling.attention_factor !== undefined && scaling.attention_factor !== null
          ? positiveNumber(scaling.attention_factor, 'rope_scaling.attention_factor')
          : mscale !== undefined && mscaleAllDim !== undefined
            ? yarnMscale(given, mscale) / yarnMscale(given, mscaleAllDim)
            : yarnMscale(given);
      const optionalPositive = (key: string, fallback: number) => (scaling[key] === undefined || scaling[key] === null || scaling[key] === 0 ? fallback : positiveNumber(scaling[key], `rope_scaling.${key}`));
      const truncate = scaling.truncate === undefined ? true : scaling.truncate;
      if (typeof truncate !== 'boolean') throw new ModelConfigError('rope_scaling.truncate', 'true or false', truncate);
      return { kind, factor: given, originalMaxPositions, attentionFactor, betaFast: optionalPositive('beta_fast', 32), betaSlow: optionalPositive('beta_slow', 1), truncate };
    }
  }
  throw new ModelConfigError('rope_scaling.rope_type', 'a known kind', kind);
}

/** The `rope_scaling` object config.json holds for `scaling` (null for default). */
export function ropeScalingToHF(scaling: RopeScaling): JsonObject | null {
  switch (scaling.kind) {
    case 'default':
      return null;
    case 'linear':
    case 'dynamic':
      return { rope_type: scaling.kind, factor: scaling.factor };
    case 'llama3':
      return {
        rope_type: 'llama3',
        factor: scaling.factor,
        low_freq_factor: scaling.lowFreqFactor,
        high_freq_factor: scaling.highFreqFactor,
        original_max_position_embeddings: scaling.originalMaxPositions,
      };
    case 'yarn':
      return {
        rope_type: 'yarn',
        factor: scaling.factor,
        original_max_position_embeddings: scaling.originalMaxPositions,
        attention_factor: scaling.attentionFactor,
        beta_fast: scaling.betaFast,
        beta_slow: scaling.betaSlow,
        truncate: scaling.truncate,
      };
  }
}
