/**
 * `model.safetensors.index.json`, checked: a `weight_map` from tensor names to
 * shard files beside the index. Shard names are file names only (no path
 * separators, no `..`), so an index cannot make a loader read outside its
 * folder or URL; counts are bounded.
 */
import { CheckpointSourceError } from '../errors';

export const SHARD_INDEX_FILE = 'model.safetensors.index.json';
export const SINGLE_WEIGHTS_FILE = 'model.safetensors';
export const MAX_SHARDS = 4096;
export const MAX_INDEXED_TENSORS = 1_000_000;

/** A plain file name ending in .safetensors: letters, digits, `.`, `_`, `-`, not starting with a dot. */
const SAFE_SHARD_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,250}\.safetensors$/;

/** Shard file -> the tensor names the index puts there, shards in name order. */
export function parseShardIndex(text: string, file: string): Map<string, ReadonlySet<string>> {
  const invalid = (message: string) => new CheckpointSourceError('INVALID_INDEX', file, message);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(`expected JSON (${(error as Error).message.slice(0, 120)})`);
  }
  const weightMap = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) throw invalid('expected an object with a `weight_map` object');
  const entries = Object.entries(weightMap as Record<string, unknown>);
  if (entries.length === 0 || entries.length > MAX_INDEXED_TENSORS) throw invalid(`expected 1 to ${MAX_INDEXED_TENSORS} tensors in weight_map, found ${entries.length}`);
  const shards = new Map<string, Set<string>>();
  for (const [name, shard] of entries) {
    if (typeof shard !== 'string' || !SAFE_SHARD_NAME.test(shard) || shard.includes('..')) {
      throw invalid(`tensor ${JSON.stringify(name.slice(0, 200))}: expected a shard file name like model-00001-of-00002.safetensors (no path), found ${JSON.stringify(String(shard).slice(0, 120))}`);
    }
    if (!shards.has(shard)) {
      if (shards.size === MAX_SHARDS) throw invalid(`expected at most ${MAX_SHARDS} shard files`);
      shards.set(shard, new Set());
    }
    shards.get(shard)!.add(name);
  }
  return new Map([...shards].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
