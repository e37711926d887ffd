/**
 * LoraConfig: peft's `LoraConfig` keys, defaults and checks, as a declarative
 * schema core parses (unknown keys warn, bad values are typed errors).
 *
 * Two kinds of keys. Those the peft versions of real adapter files always wrote
 * (the keys of the GPT-2 fixture) are filled with their defaults, as peft fills
 * them. Keys newer peft versions added (`exclude_modules`, `lora_bias`, ...)
 * stay absent when absent: a file read and written again keeps exactly its
 * keys, and a file written by peftjs loads in older peft versions too.
 */
import {
  InvalidArgumentError,
  auxiliaryTraining,
  checkModulePattern,
  compilePatternKey,
  defineConfigSchema,
  fieldWithKey,
  fields,
  quoteText,
  quoteValue,
  type ConfigSchema,
  type Field,
  type PeftConfig,
} from '@peftjs/core';

export const LORA = 'LORA';

/** init_lora_weights values peftjs implements; peft's others (eva, loftq, corda, orthogonal) need data or quantisation. */
const INIT_CHOICES = 'true, false, "gaussian", "pissa", "pissa_niter_<n>" or "olora"';

/** More than enough for the randomised SVD to converge (peft's examples use 4 to 16). */
export const MAX_PISSA_ITERATIONS = 1000;

export type LoraInitName = boolean | 'gaussian' | 'pissa' | `pissa_niter_${number}` | 'olora';

const initField: Field<LoraInitName> = {
  description: INIT_CHOICES,
  defaultValue: true,
  parse(value, key) {
    if (typeof value === 'boolean' || value === 'gaussian' || value === 'pissa' || value === 'olora') return value;
    if (typeof value === 'string' && /^pissa_niter_\d{1,12}$/.test(value)) {
      // Each subspace iteration costs a pass over every target weight: a file must not buy a hang.
      const iterations = Number(value.slice('pissa_niter_'.length));
      if (iterations >= 1 && iterations <= MAX_PISSA_ITERATIONS) return value as LoraInitName;
      throw new InvalidArgumentError(`config '${key}': pissa_niter_<n> takes 1 <= n <= ${MAX_PISSA_ITERATIONS} subspace iterations (peft's examples use 4 to 16), found ${iterations}`);
    }
    throw new InvalidArgumentError(`config '${key}': expected ${INIT_CHOICES}, found ${quoteValue(value)}`);
  },
};

const stringOrList = (description: string) =>
  fields.nullable(fields.union<string | string[]>(description, undefined, [fields.string(undefined), fields.stringList(undefined)]));

/** Keys filled with peft's defaults when absent. */
const FILLED_FIELDS = {
  r: fields.positiveInteger(8),
  target_modules: stringOrList("a regex string, a list of module names, or 'all-linear'"),
  // peft types alpha as int and writes `8`, not `8.0`; fractional values stay allowed.
  lora_alpha: { ...fields.number(8, { min: 0, exclusiveMin: true }), isFloat: false } as Field<number>,
  lora_dropout: fields.number(0, { min: 0, max: 1 }),
  fan_in_fan_out: fields.boolean(false),
  bias: fields.oneOf(['none', 'all', 'lora_only'] as const, 'none'),
  use_rslora: fields.boolean(false),
  modules_to_save: fields.nullable(fields.stringList(undefined)),
  init_lora_weights: initField,
  layers_to_transform: fields.nullable(
    fields.union<number | number[]>('an integer or a list of integers', undefined, [fields.number(undefined, { integer: true }), fields.integerList(undefined)]),
  ),
  layers_pattern: stringOrList('a string or a list of strings'),
  rank_pattern: fields.numberMap({}),
  alpha_pattern: fields.numberMap({}),
  use_dora: fields.boolean(false),
  megatron_config: fields.nullable(fields.json<Record<string, unknown>>(undefined)),
  megatron_core: fields.nullable(fields.string(undefined), 'megatron.core'),
  loftq_config: fields.json<Record<string, unknown>>({}),
  layer_replication: fields.nullable(fields.json<number[][]>(undefined)),
};

/** Keys of newer peft versions: parsed (and checked) when present, left out when absent. */
const OPTIONAL_FIELDS = {
  exclude_modules: stringOrList('a regex string or a list of module names'),
  lora_bias: fields.boolean(false),
  use_qalora: fields.boolean(false),
  qalora_group_size: fields.positiveInteger(16),
  eva_config: fields.nullable(fields.json<Record<string, unknown>>(undefined)),
  corda_config: fields.nullable(fields.json<Record<string, unknown>>(undefined)),
  trainable_token_indices: fields.nullable(fields.json<unknown>(undefined)),
  target_parameters: fields.nullable(fields.stringList(undefined)),
  alora_invocation_tokens: fields.nullable(fields.json<unknown>(undefined)),
  arrow_config: fields.nullable(fields.json<unknown>(undefined)),
  ensure_weight_tying: fields.boolean(false),
  runtime_config: fields.json<Record<string, unknown>>({}),
  peft_version: fields.nullable(fields.string(undefined)),
};

type Filled = { [K in keyof typeof FILLED_FIELDS]: (typeof FILLED_FIELDS)[K] extends Field<infer T> ? T : never };
type Optional = { [K in keyof typeof OPTIONAL_FIELDS]?: (typeof OPTIONAL_FIELDS)[K] extends Field<infer T> ? T : never };

export type LoraConfig = PeftConfig & Filled & Optional;

/** Options peft has that change what a LoRA computes and that peftjs does not implement: refused rather than ignored. */
const UNSUPPORTED_WHEN_SET: Array<[keyof LoraConfig, string]> = [
  ['layer_replication', 'layer replication'],
  ['megatron_config', 'Megatron parallel layers'],
  ['use_qalora', 'QALoRA'],
  ['target_parameters', 'targeting parameters'],
  ['alora_invocation_tokens', 'activated LoRA'],
  ['arrow_config', 'Arrow routing'],
];

function validate(config: LoraConfig): void {
  const fail = (message: string) => {
    throw new InvalidArgumentError(`LORA config: ${message}`);
  };
  if (config.lora_dropout >= 1) fail(`'lora_dropout': expected a number in [0, 1), found ${config.lora_dropout}`);
  // Trainable tokens are @peftjs/adapters' (peft's TrainableTokensWrapper), a training aid core runs after LoRA's injection.
  if (config.trainable_token_indices != null && auxiliaryTraining('trainable_token_indices') === undefined) {
    fail("'trainable_token_indices' (trainable tokens) needs @peftjs/adapters: import it to register trainable tokens");
  }
  for (const [key, what] of UNSUPPORTED_WHEN_SET) {
    const value = config[key];
    const set = Array.isArray(value) ? value.length > 0 : value !== undefined && value !== null && value !== false;
    if (set) fail(`'${String(key)}' (${what}) is not supported by peftjs, found ${quoteValue(value)}`);
  }
  const regexTargets = typeof config.target_modules === 'string' && config.target_modules !== 'all-linear';
  if (regexTargets && config.layers_to_transform != null) fail("'layers_to_transform' cannot be used when 'target_modules' is a regex string");
  if (regexTargets && config.layers_pattern != null) fail("'layers_pattern' cannot be used when 'target_modules' is a regex string");
  if (config.layers_pattern != null && config.layers_to_transform == null) fail("'layers_pattern' needs 'layers_to_transform'");
  for (const [pattern, r] of Object.entries(config.rank_pattern)) {
    if (!Number.isInteger(r) || r <= 0) fail(`'rank_pattern' [${quoteText(pattern)}]: expected an integer > 0, found ${r}`);
  }
  for (const [pattern, alpha] of Object.entries(config.alpha_pattern)) {
    if (!(alpha > 0)) fail(`'alpha_pattern' [${quoteText(pattern)}]: expected a number > 0, found ${alpha}`);
  }
  // Regexes from the file: compiled (and cached) now, so a bad one fails at parse time naming its key.
  if (config.target_modules !== 'all-linear') checkModulePattern(config.target_modules, 'target_modules');
  checkModulePattern(config.exclude_modules, 'exclude_modules');
  for (const field of ['rank_pattern', 'alpha_pattern'] as const) {
    for (const key of Object.keys(config[field])) compilePatternKey(key, fieldWithKey(field, key));
  }
  if (config.lora_bias) {
    if (typeof config.init_lora_weights !== 'boolean') fail(`'lora_bias' works with init_lora_weights true or false only, found '${config.init_lora_weights}'`);
    if (config.use_dora) fail("'lora_bias' is not supported with DoRA ('use_dora': true)");
  }
}

const schema = defineConfigSchema(LORA, { ...FILLED_FIELDS, ...OPTIONAL_FIELDS }, (config) => validate(config as unknown as LoraConfig));

/**
 * Keys peft v0.6.0's LoraConfig lacks (see packages/lora/README.md): a config
 * built in code writes them only when not at their default.
 */
const NEWER_KEYS = ['loftq_config', 'megatron_config', 'megatron_core', 'use_rslora', 'use_dora', 'layer_replication', ...Object.keys(OPTIONAL_FIELDS)];

export const loraConfigSchema: ConfigSchema<LoraConfig> = {
  peftType: LORA,
  fields: schema.fields,
  newerKeys: NEWER_KEYS,
  parse(raw: unknown): LoraConfig {
    const config = schema.parse(raw) as unknown as LoraConfig;
    const given = raw as Record<string, unknown>;
    for (const key of Object.keys(OPTIONAL_FIELDS)) if (given[key] === undefined) delete config[key];
    return config;
  },
};

/**
 * peft's `get_pattern_key`: the value of the first key that matches the end of
 * the path on a dot boundary (`re.match(rf"(.*\.)?({key})$", path)`), matched
 * by core's bounded pattern matcher since keys come from the config file.
 */
function patternValue(pattern: Readonly<Record<string, number>>, path: string, field: 'rank_pattern' | 'alpha_pattern'): number | undefined {
  for (const [key, value] of Object.entries(pattern)) {
    if (compilePatternKey(key, fieldWithKey(field, key)).test(path)) return value;
  }
  return undefined;
}

/** The rank and alpha of the module at `path`, after rank_pattern and alpha_pattern. */
export function rankAndAlpha(config: LoraConfig, path: string): { r: number; alpha: number } {
  return {
    r: patternValue(config.rank_pattern, path, 'rank_pattern') ?? config.r,
    alpha: patternValue(config.alpha_pattern, path, 'alpha_pattern') ?? config.lora_alpha,
  };
}
