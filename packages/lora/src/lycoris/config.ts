/**
 * The keys LoHa and LoKr share (peft's LycorisConfig and the fields both
 * config classes declare), their checks, and the per-module rank and alpha
 * after rank_pattern/alpha_pattern, as peft's `get_pattern_key` picks them.
 */
import {
  InvalidArgumentError,
  checkModulePattern,
  compilePatternKey,
  fieldWithKey,
  fields,
  quoteText,
  quoteValue,
  type Field,
  type PeftConfig,
} from '@peftjs/core';

const stringOrList = (description: string) =>
  fields.nullable(fields.union<string | string[]>(description, undefined, [fields.string(undefined), fields.stringList(undefined)]));

/** peft types alpha as int and writes `8`, not `8.0`; fractional values stay allowed. */
const alphaField: Field<number> = { ...fields.number(8, { min: 0 }), isFloat: false };

/** Fields every LyCORIS config has, with peft's defaults. */
export const LYCORIS_FIELDS = {
  r: fields.positiveInteger(8),
  alpha: alphaField,
  rank_dropout: fields.number(0, { min: 0, max: 1 }),
  module_dropout: fields.number(0, { min: 0, max: 1 }),
  use_effective_conv2d: fields.boolean(false),
  target_modules: stringOrList("a regex string, a list of module names, or 'all-linear'"),
  exclude_modules: stringOrList('a regex string or a list of module names'),
  layers_to_transform: fields.nullable(
    fields.union<number | number[]>('an integer or a list of integers', undefined, [fields.number(undefined, { integer: true }), fields.integerList(undefined)]),
  ),
  layers_pattern: stringOrList('a string or a list of strings'),
  rank_pattern: fields.numberMap({}),
  alpha_pattern: fields.numberMap({}),
  modules_to_save: fields.nullable(fields.stringList(undefined)),
};

export type LycorisConfig = PeftConfig & {
  r: number;
  alpha: number;
  rank_dropout: number;
  module_dropout: number;
  use_effective_conv2d: boolean;
  target_modules: string | string[] | null;
  exclude_modules: string | string[] | null;
  layers_to_transform: number | number[] | null;
  layers_pattern: string | string[] | null;
  rank_pattern: Record<string, number>;
  alpha_pattern: Record<string, number>;
  modules_to_save: string[] | null;
};

/** A key peft has whose non-default values change what the adapter computes, which peftjs does not implement. */
export interface UnsupportedSetting {
  readonly key: string;
  readonly what: string;
  /** Whether the key's value asks for the unimplemented behaviour. */
  readonly isSet: (value: unknown, config: PeftConfig) => boolean;
}

/** peft's own checks plus peftjs's refusals, with messages naming the method and key. */
export function validateLycoris(method: string, config: LycorisConfig, unsupported: readonly UnsupportedSetting[]): void {
  const fail = (message: string) => {
    throw new InvalidArgumentError(`${method} config: ${message}`);
  };
  // Dropping with probability 1 would divide the kept rows by a mean of zero.
  if (config.rank_dropout >= 1) fail(`'rank_dropout': expected a number in [0, 1), found ${config.rank_dropout}`);
  for (const { key, what, isSet } of unsupported) {
    const value = config[key];
    if (value !== undefined && isSet(value, config)) fail(`'${key}' (${what}) is not supported by peftjs, found ${quoteValue(value)}`);
  }
  const regexTargets = typeof config.target_modules === 'string' && config.target_modules !== 'all-linear';
  if (regexTargets && config.layers_to_transform != null) fail("'layers_to_transform' cannot be used when 'target_modules' is a regex string");
  if (regexTargets && config.layers_pattern != null) fail("'layers_pattern' cannot be used when 'target_modules' is a regex string");
  if (config.layers_pattern != null && config.layers_to_transform == null) fail("'layers_pattern' needs 'layers_to_transform'");
  for (const [pattern, r] of Object.entries(config.rank_pattern)) {
    if (!Number.isInteger(r) || r <= 0) fail(`'rank_pattern' [${quoteText(pattern)}]: expected an integer > 0, found ${r}`);
  }
  for (const [pattern, alpha] of Object.entries(config.alpha_pattern)) {
    if (!(alpha >= 0)) fail(`'alpha_pattern' [${quoteText(pattern)}]: expected a number >= 0, found ${alpha}`);
  }
  // Regexes from the file: compiled (and cached) now, so a bad one fails at parse time naming its key.
  if (config.target_modules !== 'all-linear') checkModulePattern(config.target_modules, 'target_modules');
  checkModulePattern(config.exclude_modules, 'exclude_modules');
  for (const field of ['rank_pattern', 'alpha_pattern'] as const) {
    for (const key of Object.keys(config[field])) compilePatternKey(key, fieldWithKey(field, key));
  }
}

function patternValue(pattern: Readonly<Record<string, number>>, path: string, field: 'rank_pattern' | 'alpha_pattern'): number | undefined {
  for (const [key, value] of Object.entries(pattern)) {
    if (compilePatternKey(key, fieldWithKey(field, key)).test(path)) return value;
  }
  return undefined;
}

/** The rank and alpha of the module at `path` (peft: the first pattern key matching the end of the path on a dot boundary). */
export function lycorisRankAndAlpha(config: LycorisConfig, path: string): { r: number; alpha: number } {
  return {
    r: patternValue(config.rank_pattern, path, 'rank_pattern') ?? config.r,
    alpha: patternValue(config.alpha_pattern, path, 'alpha_pattern') ?? config.alpha,
  };
}
