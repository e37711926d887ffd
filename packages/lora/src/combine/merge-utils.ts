/**
 * Ways to combine several task tensors (same shape, flattened) into one, as
 * peft's `merge_utils`: task arithmetic (a weighted sum), TIES (keep each
 * tensor's largest entries, elect a sign per entry, average the entries that
 * agree), DARE (drop entries at random and rescale the rest) and magnitude
 * pruning. Random drops draw from a seeded generator, so results repeat.
 */
import { InvalidArgumentError, type Generator } from '@peftjs/core';

export type SignMethod = 'total' | 'frequency';

export interface PruneOptions {
  /** Fraction of entries kept, in [0, 1]. */
  density: number;
  majoritySignMethod: SignMethod;
  rng: Generator;
}

/** Keeps the floor(density * n) entries of largest magnitude (ties: the earlier entry). */
export function magnitudePrune(values: Float64Array, density: number): Float64Array {
  if (density >= 1) return values;
  const keep = Math.floor(density * values.length);
  const order = Array.from(values.keys()).sort((i, j) => Math.abs(values[j]) - Math.abs(values[i]) || i - j);
  const out = new Float64Array(values.length);
  for (const i of order.slice(0, keep)) out[i] = values[i];
  return out;
}

/** Keeps each entry with probability `density`, divided by `density` so the expected value stays. */
export function randomPrune(values: Float64Array, density: number, rng: Generator): Float64Array {
  if (density >= 1) return values;
  return values.map((v) => (rng.uniform() < density ? v / density : 0));
}

/** Per entry, whether a tensor's sign agrees with the sign elected over all tensors (peft: sign of the sum, or of the sign count). */
function majoritySignMask(tensors: readonly Float64Array[], method: SignMethod): boolean[][] {
  const size = tensors[0].length;
  const elected = new Int8Array(size);
  for (let i = 0; i < size; i++) {
    let total = 0;
    for (const t of tensors) total += method === 'total' ? t[i] : Math.sign(t[i]);
    elected[i] = total >= 0 ? 1 : -1;
  }
  return tensors.map((t) => Array.from(t, (v, i) => Math.sign(v) === elected[i]));
}

/** The mean, per entry, of the weighted entries whose sign agrees with the elected one. */
function disjointMerge(weighted: readonly Float64Array[], mask: readonly boolean[][]): Float64Array {
  const out = new Float64Array(weighted[0].length);
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    let count = 0;
    weighted.forEach((t, k) => {
      if (mask[k][i]) {
        sum += t[i];
        count++;
      }
    });
    out[i] = sum / Math.max(count, 1);
  }
  return out;
}

function weightedSum(tensors: readonly Float64Array[], weights: readonly number[]): Float64Array {
  const out = new Float64Array(tensors[0].length);
  tensors.forEach((t, k) => {
    for (let i = 0; i < out.length; i++) out[i] += weights[k] * t[i];
  });
  return out;
}

function weighted(tensors: readonly Float64Array[], weights: readonly number[]): Float64Array[] {
  return tensors.map((t, k) => t.map((v) => v * weights[k]));
}

/** The combination methods of tensors (peft's names; the `_svd` forms combine ΔW and are handled by the caller). */
export type TensorCombination = 'linear' | 'ties' | 'dare_linear' | 'dare_ties' | 'magnitude_prune';

export function combineTensors(method: TensorCombination, tensors: readonly Float64Array[], weights: readonly number[], options: PruneOptions): Float64Array {
  const { density, majoritySignMethod, rng } = options;
  switch (method) {
    case 'linear':
      return weightedSum(tensors, weights);
    case 'magnitude_prune':
      return weightedSum(tensors.map((t) => magnitudePrune(t, density)), weights);
    case 'dare_linear':
      return weightedSum(tensors.map((t) => randomPrune(t, density, rng)), weights);
    case 'ties':
    case 'dare_ties': {
      const pruned = tensors.map((t) => (method === 'ties' ? magnitudePrune(t, density) : randomPrune(t, density, rng)));
      // peft elects signs on the pruned, unweighted tensors.
      return disjointMerge(weighted(pruned, weights), majoritySignMask(pruned, majoritySignMethod));
    }
    default:
      throw new InvalidArgumentError(`combination: unknown method '${String(method)}'`);
  }
}
