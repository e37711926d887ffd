/**
 * Reading Hugging Face `config.json` fields with checks: a wrong value is a
 * `ModelConfigError` naming the field, not a NaN deep inside a forward pass.
 */
import { getActivation } from '@peftjs/core';
import { ModelConfigError } from '../errors';

export type JsonObject = Record<string, unknown>;

/** Parses config.json text, or accepts the parsed object. */
export function configObject(config: string | JsonObject): JsonObject {
  const parsed: unknown = typeof config === 'string' ? safeParse(config) : config;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ModelConfigError('(root)', 'a JSON object', parsed);
  }
  return parsed as JsonObject;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelConfigError('(root)', `JSON text (${(error as Error).message})`, text.slice(0, 80));
  }
}

export function positiveInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new ModelConfigError(field, 'a positive integer', value);
  return value;
}

export function nonNegativeInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new ModelConfigError(field, 'an integer >= 0', value);
  return value;
}

export function probability(value: unknown, field: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw new ModelConfigError(field, 'a number in [0, 1)', value);
  return value;
}

export function positiveNumber(value: unknown, field: string): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new ModelConfigError(field, 'a positive number', value);
  return value;
}

export function optionalTokenId(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new ModelConfigError(field, 'a token id (integer >= 0) or null', value);
  return value;
}

export function activationName(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new ModelConfigError(field, 'an activation name', value);
  try {
    getActivation(value);
  } catch {
    throw new ModelConfigError(field, 'an activation name known to @peftjs/core (getActivation)', value);
  }
  return value;
}

export function flag(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new ModelConfigError(field, 'true or false', value);
  return value;
}

/** Hugging Face stores the label count as the size of `id2label` (`num_labels` is not serialised). */
export function labelCount(json: JsonObject): number | undefined {
  if (json.num_labels !== undefined) return positiveInteger(json.num_labels, 'num_labels');
  const id2label = json.id2label;
  if (id2label === undefined || id2label === null) return undefined;
  if (typeof id2label !== 'object') throw new ModelConfigError('id2label', 'an object of labels', id2label);
  return positiveInteger(Object.keys(id2label).length, 'id2label (size)');
}

/** Checks divisibility of hidden size by heads, which every multi-head model needs. */
export function checkHeads(hiddenSize: number, numHeads: number, field: string): void {
  if (hiddenSize % numHeads !== 0) {
    throw new ModelConfigError(field, `a divisor of the hidden size ${hiddenSize}`, numHeads);
  }
}

export type FieldReader<V> = (value: unknown, field: string) => V;

/**
 * The config.json fields `spec` names (camelCase name -> [snake_case key, reader]),
 * checked. Absent and null fields are left out, so the model's defaults apply
 * (Hugging Face writes `n_inner: null`, `classifier_dropout: null` for "default").
 */
export function readFields<T>(hf: JsonObject, spec: { readonly [K in keyof T]?: readonly [string, FieldReader<T[K]>] }): Partial<T> {
  const out: Partial<T> = {};
  for (const [name, [key, read]] of Object.entries(spec) as Array<[keyof T & string, readonly [string, FieldReader<unknown>]]>) {
    if (hf[key] !== undefined && hf[key] !== null) out[name] = read(hf[key], key) as T[keyof T & string];
  }
  return out;
}

/** Special token ids present in config.json, null kept: for token ids, null means "none", not "the default". */
export function readTokenIds<K extends string>(hf: JsonObject, spec: Readonly<Record<K, string>>): Partial<Record<K, number | undefined>> {
  const out: Partial<Record<K, number | undefined>> = {};
  for (const [name, key] of Object.entries(spec) as Array<[K, string]>) {
    if (key in hf) out[name] = optionalTokenId(hf[key], key);
  }
  return out;
}
