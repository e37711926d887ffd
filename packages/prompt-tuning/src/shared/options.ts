/**
 * Options that cannot live in a JSON config (a tokenizer object, a seeded
 * generator) travel beside it: a config helper attaches them to the object it
 * returns, and the schema moves them to the parsed config that inject() sees.
 * Nothing of them reaches adapter_config.json.
 */
import type { Generator } from '@peftjs/core';

/** Options of every method's config helper. */
export interface PromptLearningOptions {
  /** Draws the initial values; default: core's generator (manualSeed). */
  readonly rng?: Generator;
}

const optionsByConfig = new WeakMap<object, unknown>();

export function attachOptions<T extends object>(config: T, options: unknown): T {
  if (options !== undefined) optionsByConfig.set(config, options);
  return config;
}

export function carryOptions(from: unknown, to: object): void {
  if (typeof from === 'object' && from !== null && optionsByConfig.has(from)) optionsByConfig.set(to, optionsByConfig.get(from));
}

export function optionsOf<T>(config: object): T | undefined {
  return optionsByConfig.get(config) as T | undefined;
}
