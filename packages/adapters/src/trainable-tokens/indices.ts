/** Token indices from a config (untrusted): checked against the embedding they select rows of. */
import { quoteValue } from '@peftjs/core';
import { TokenIndicesError } from '../errors';

const SHOWN = 8;

const listSome = (values: readonly unknown[]) =>
  values.length > SHOWN ? `[${values.slice(0, SHOWN).map((v) => quoteValue(v)).join(', ')}, ... ${values.length - SHOWN} more]` : `[${values.map((v) => quoteValue(v)).join(', ')}]`;

/** At least one index, each an integer in [0, rows), none twice (peft's index_copy is undefined for repeats). */
export function checkTokenIndices(indices: unknown, rows: number, where: string): number[] {
  if (!Array.isArray(indices) || indices.length === 0) {
    throw new TokenIndicesError(`${where}: expected a non-empty list of token indices, found ${Array.isArray(indices) ? 'an empty list' : quoteValue(indices)}`);
  }
  const bad = indices.filter((i) => !Number.isInteger(i) || i < 0 || i >= rows);
  if (bad.length > 0) {
    throw new TokenIndicesError(`${where}: expected integer token indices in [0, ${rows}) (the embedding's rows), found ${listSome(bad)}`);
  }
  const seen = new Set<number>();
  const repeated = (indices as number[]).filter((i) => seen.size === seen.add(i).size);
  if (repeated.length > 0) throw new TokenIndicesError(`${where}: expected each token index once, found ${listSome([...new Set(repeated)])} more than once`);
  return [...(indices as number[])];
}

/** Adapters whose indices meet may not run or merge together: which one's row wins would be arbitrary (peft refuses too). */
export function checkDisjoint(byAdapter: ReadonlyArray<readonly [string, readonly number[]]>): void {
  const owner = new Map<number, string>();
  for (const [name, indices] of byAdapter) {
    for (const index of indices) {
      const other = owner.get(index);
      if (other !== undefined && other !== name) {
        throw new TokenIndicesError(`trainable tokens: adapters '${other}' and '${name}' both train token ${index}; adapters used together must train disjoint tokens`);
      }
      owner.set(index, name);
    }
  }
}
