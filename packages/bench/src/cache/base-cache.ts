/**
 * The cache of pretrained bases: `<cacheDir>/<task>-<hash>/model.safetensors`
 * plus `meta.json`. The hash covers the base's config, the pretraining recipe,
 * the data (package and version, selection), the backend, and the code version
 * (CACHE_VERSION, bumped whenever pretraining code changes), so a second run
 * with the same inputs skips pretraining and any change retrains.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadSafetensorsFile, saveSafetensorsFile } from '@peftjs/core';
import type { AnyModel } from '../types';

/** Bump when anything that changes pretrained weights changes (data reading, recipes, models). */
export const CACHE_VERSION = 3;

export interface CachedBase {
  /** The pretrained values by parameter path (kept; disposed by the task). */
  readonly state: Record<string, tf.Tensor>;
  readonly fromCache: boolean;
  readonly directory: string;
  /** Whatever the pretraining reported (loss, score, seconds), saved in meta.json. */
  readonly meta: Record<string, unknown>;
}

/** A stable JSON (sorted keys) for hashing. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(stableJson({ parts, version: CACHE_VERSION })).digest('hex').slice(0, 16);
}

/**
 * Returns the pretrained state for `key`: read from the cache, or made by
 * `pretrain(model)` on a fresh `build()` and written to the cache (atomically).
 */
export async function cachedBase(options: {
  readonly cacheDir: string;
  readonly task: string;
  readonly key: unknown;
  readonly build: () => AnyModel;
  readonly pretrain: (model: AnyModel) => Promise<Record<string, unknown>>;
  readonly log?: (line: string) => void;
}): Promise<CachedBase> {
  const directory = path.join(options.cacheDir, `${options.task}-${cacheKey(options.key)}`);
  const weights = path.join(directory, 'model.safetensors');
  const metaFile = path.join(directory, 'meta.json');
  if (existsSync(weights) && existsSync(metaFile)) {
    try {
      const loaded = await loadSafetensorsFile(weights);
      const state = loaded.tensors as Record<string, tf.Tensor>;
      const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
      options.log?.(`${options.task}: pretrained base read from the cache (${path.relative(process.cwd(), directory) || directory})`);
      return { state: keepAll(state), fromCache: true, directory, meta };
    } catch (error) {
      options.log?.(`${options.task}: cached base unreadable (${(error as Error).message}); pretraining again`);
    }
  }
  const model = options.build();
  const meta = await options.pretrain(model);
  const state = Object.fromEntries(model.namedParameters().map(([name, p]) => [name, tf.keep(tf.clone(p.variable))]));
  model.dispose();
  mkdirSync(directory, { recursive: true });
  await saveSafetensorsFile(weights, state);
  const temporary = `${metaFile}.tmp-${process.pid}`;
  writeFileSync(temporary, JSON.stringify({ key: options.key, cacheVersion: CACHE_VERSION, ...meta }, null, 2));
  renameSync(temporary, metaFile);
  return { state, fromCache: false, directory, meta };
}

function keepAll(state: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  for (const tensor of Object.values(state)) tf.keep(tensor);
  return state;
}

/** A fresh model with the cached values. */
export function restore<M extends AnyModel>(model: M, state: Record<string, tf.Tensor>): M {
  model.loadStateDict(state);
  return model;
}

/** A small JSON side file in the cache (tokenizers, cached features). */
export function cachedJson<T>(cacheDir: string, name: string, key: unknown, make: () => T): { value: T; fromCache: boolean } {
  const file = path.join(cacheDir, `${name}-${cacheKey(key)}.json`);
  if (existsSync(file)) {
    try {
      return { value: JSON.parse(readFileSync(file, 'utf8')) as T, fromCache: true };
    } catch {
      // remade below
    }
  }
  const value = make();
  mkdirSync(cacheDir, { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, JSON.stringify(value));
  renameSync(temporary, file);
  return { value, fromCache: false };
}
