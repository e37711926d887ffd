/**
 * What addWeightedAdapter will make, checked before anything changes: the
 * combination (peft: one adapter is always 'linear'), the new rank, and the
 * new adapter's config (peft's: the first adapter's, with r, lora_alpha and
 * target_modules replaced).
 */
import { InvalidArgumentError, ModulesToSaveWrapper, type PeftModel } from '@peftjs/core';
import { LORA, type LoraConfig } from '../config';
import { isLoraLayer } from '../layer/lora-layer';
import type { SignMethod } from './merge-utils';

export const COMBINATIONS = [
  'linear',
  'cat',
  'svd',
  'ties',
  'ties_svd',
  'dare_linear',
  'dare_linear_svd',
  'dare_ties',
  'dare_ties_svd',
  'magnitude_prune',
  'magnitude_prune_svd',
] as const;
export type Combination = (typeof COMBINATIONS)[number];

export interface AddWeightedAdapterOptions {
  /** Rank of the `*svd` results (default: the largest rank of the adapters). */
  svdRank?: number;
  /** Clamp the SVD factors to this quantile of their entries' values (peft's svd_clamp). */
  svdClamp?: number;
  /** Fraction of entries kept by ties, dare and magnitude_prune, in [0, 1]. */
  density?: number;
  majoritySignMethod?: SignMethod;
  /** Seed of DARE's random drops (default 0) and of large SVDs. */
  seed?: number;
}

const NEEDS_DENSITY = ['ties', 'dare_linear', 'dare_ties', 'magnitude_prune'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPeftModel = PeftModel<any, any>;

export interface Plan {
  readonly combination: Combination;
  readonly adapters: readonly string[];
  readonly weights: readonly number[];
  readonly rank: number;
  readonly config: LoraConfig;
}

export function planCombination(
  model: AnyPeftModel,
  adapters: readonly string[],
  weights: readonly number[],
  newName: string,
  requested: Combination,
  options: AddWeightedAdapterOptions,
): Plan {
  const fail = (message: string): never => {
    throw new InvalidArgumentError(`addWeightedAdapter: ${message}`);
  };
  if (!COMBINATIONS.includes(requested)) fail(`combination: expected one of ${COMBINATIONS.join(', ')}, found '${requested}'`);
  if (adapters.length === 0) fail('expected at least one adapter');
  if (weights.length !== adapters.length) fail(`expected one weight per adapter (${adapters.length}), found ${weights.length}`);
  if (!weights.every(Number.isFinite)) fail(`weights must be finite numbers, found [${weights.join(', ')}]`);
  if (model.adapterNames.includes(newName)) fail(`an adapter named '${newName}' already exists`);
  const configs = adapters.map((name) => {
    if (!model.adapterNames.includes(name)) fail(`no adapter named '${name}' (adapters: ${model.adapterNames.join(', ')})`);
    const config = model.peftConfig[name] as LoraConfig;
    if (config.peft_type !== LORA) fail(`'${name}' is a ${config.peft_type} adapter; only LoRA adapters combine`);
    if (config.use_dora) fail(`'${name}' uses DoRA, whose magnitudes do not combine`);
    return config;
  });
  // peft: with one adapter only the linear combination is meaningful.
  const combination = adapters.length === 1 ? 'linear' : requested;
  const base = combination.replace(/_svd$/, '');
  if (NEEDS_DENSITY.includes(base) && !(typeof options.density === 'number' && options.density >= 0 && options.density <= 1)) {
    fail(`'${combination}' needs options.density in [0, 1], found ${String(options.density)}`);
  }
  if (options.svdRank !== undefined && !(Number.isInteger(options.svdRank) && options.svdRank > 0)) fail(`svdRank: expected an integer > 0, found ${options.svdRank}`);
  if (options.svdClamp !== undefined && !(options.svdClamp > 0 && options.svdClamp <= 1)) fail(`svdClamp: expected a quantile in (0, 1], found ${options.svdClamp}`);

  const ranks = layerRanks(model, adapters);
  let rank: number;
  if (combination === 'cat') rank = ranks.reduce((a, b) => a + b, 0);
  else if (combination.endsWith('svd')) rank = options.svdRank ?? Math.max(...ranks);
  else if (new Set(ranks).size !== 1) return fail(`'${combination}' needs adapters of one rank, found ranks [${ranks.join(', ')}]; use 'cat' or 'svd'`);
  else rank = ranks[0];

  for (const wrapper of model.adapterLayers().filter((l): l is ModulesToSaveWrapper => l instanceof ModulesToSaveWrapper)) {
    const owners = adapters.filter((name) => wrapper.hasAdapter(name));
    if (owners.length > 1) fail(`adapters ${owners.join(' and ')} each have their own copy of a saved module (modules_to_save); such copies cannot be combined`);
  }

  const first = configs[0];
  const config: LoraConfig = {
    ...structuredClone(first),
    r: rank,
    // Scaling 1 (alpha / r, or alpha / sqrt(r) with rsLoRA): the combined factors carry every adapter's scaling.
    lora_alpha: first.use_rslora ? Math.sqrt(rank) : rank,
    rank_pattern: {},
    alpha_pattern: {},
    target_modules: unionOfTargets(configs, fail),
    // The factors are overwritten: a scheme that rewrites base weights (PiSSA, OLoRA) must not run.
    init_lora_weights: true,
    inference_mode: false,
  };
  return { combination, adapters, weights, rank, config };
}

/** The ranks of the adapters' layers (rank_pattern may give one adapter several). */
function layerRanks(model: AnyPeftModel, adapters: readonly string[]): number[] {
  const layers = model.adapterLayers().filter(isLoraLayer);
  return adapters.map((name) => Math.max(0, ...layers.filter((l) => l.hasAdapter(name)).map((l) => l.adapterSettings(name).r)));
}

function unionOfTargets(configs: readonly LoraConfig[], fail: (message: string) => never): string | string[] {
  const targets = configs.map((c) => c.target_modules);
  if (targets.every((t) => Array.isArray(t))) return [...new Set((targets as string[][]).flat())];
  if (targets.every((t) => t === 'all-linear')) return 'all-linear';
  if (targets.every((t) => typeof t === 'string' && t !== 'all-linear')) return targets.map((t) => `(${t})`).join('|');
  return fail('the adapters give target_modules in different forms (lists, regex strings, all-linear); peft cannot combine those');
}

