/**
 * Bootstrap intervals over seeds × evaluation units, suited to few seeds.
 *
 * A Student-t interval over 2 seeds multiplies their spread by 12.7 and says
 * nothing; yet each seed is scored on hundreds of test examples, and every
 * method sees the same examples. So the bench keeps, per seed, one score per
 * evaluation unit (a test example's correctness, or one evaluation task's MSE)
 * and resamples both seeds and units:
 *
 * - 'crossed' designs (the same test examples under every seed) draw one set
 *   of unit indices per resample and apply it to every drawn seed, as the
 *   pigeonhole bootstrap does for two-way random effects (Owen 2007);
 * - 'nested' designs (each seed has its own units, like the sinusoids a seed
 *   draws) resample units within each drawn seed (a two-stage bootstrap).
 *
 * Both are known to be somewhat conservative. Paired differences between two
 * methods on the same seeds and units remove what the methods share (which
 * examples are hard, which shots were drawn), so their intervals are far
 * narrower than either method's own. Intervals are percentile intervals of
 * BOOTSTRAP_RESAMPLES resamples from a fixed seed: the same scores always give
 * the same interval.
 */
import { Generator, InvalidArgumentError } from '@peftjs/core';

/** Scores of one method at one shot count: per seed, one value per evaluation unit. */
export interface ScoreSet {
  readonly seeds: readonly number[];
  /** 'crossed': unit i is the same test example under every seed; 'nested': each seed has its own units. */
  readonly design: 'crossed' | 'nested';
  /** values[s][i]: seed s, unit i. */
  readonly values: ReadonlyArray<readonly number[]>;
}

export interface Interval {
  readonly low: number;
  readonly high: number;
}

export interface BootstrapOptions {
  /** Default BOOTSTRAP_RESAMPLES. */
  readonly resamples?: number;
  /** Default BOOTSTRAP_SEED. */
  readonly seed?: number;
  /** Coverage, default 0.95. */
  readonly level?: number;
}

/** Enough for stable 2.5% and 97.5% percentiles (their Monte Carlo error is about 0.3 standard errors of the mean / sqrt(B/1000)). */
export const BOOTSTRAP_RESAMPLES = 2000;
export const BOOTSTRAP_SEED = 20_170_301;

/** The point estimate: the mean over seeds of each seed's mean over its units (every seed weighs the same). */
export function grandMean(set: ScoreSet): number {
  const means = set.values.map(mean);
  return mean(means);
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length === 0 ? Number.NaN : sum / values.length;
}

/** Checks a score set's shape: at least one seed, units in every seed, the same count under a crossed design, finite values. */
export function assertScoreSet(set: ScoreSet, what = 'scores'): void {
  if (set.values.length === 0 || set.values.length !== set.seeds.length) {
    throw new InvalidArgumentError(`${what}: expected one row of unit scores per seed (${set.seeds.length} seeds), found ${set.values.length} rows`);
  }
  const counts = set.values.map((row) => row.length);
  if (counts.some((n) => n === 0)) throw new InvalidArgumentError(`${what}: expected at least one unit score per seed, found counts [${counts.join(', ')}]`);
  if (set.design === 'crossed' && counts.some((n) => n !== counts[0])) {
    throw new InvalidArgumentError(`${what}: a crossed design scores the same units under every seed, found unit counts [${counts.slice(0, 10).join(', ')}]`);
  }
  for (const row of set.values) {
    const bad = row.find((v) => !Number.isFinite(v));
    if (bad !== undefined) throw new InvalidArgumentError(`${what}: expected finite scores, found ${bad}`);
  }
}

/** The bootstrap distribution of grandMean: one statistic per resample. */
export function bootstrapMeans(set: ScoreSet, options: BootstrapOptions = {}): Float64Array {
  assertScoreSet(set);
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  if (!Number.isInteger(resamples) || resamples < 1) throw new InvalidArgumentError(`resamples: expected a positive integer, found ${resamples}`);
  const rng = new Generator(options.seed ?? BOOTSTRAP_SEED);
  const pick = (n: number) => Math.floor(rng.uniform() * n);
  const rows = set.values;
  const seeds = rows.length;
  const out = new Float64Array(resamples);
  if (set.design === 'crossed') {
    const units = rows[0].length;
    const counts = new Float64Array(units);
    // Per resample: unit multiplicities once, then each seed's weighted sum; drawn seeds add theirs.
    const seedSums = new Float64Array(seeds);
    for (let b = 0; b < resamples; b++) {
      counts.fill(0);
      for (let i = 0; i < units; i++) counts[pick(units)] += 1;
      for (let s = 0; s < seeds; s++) {
        const row = rows[s];
        let sum = 0;
        for (let i = 0; i < units; i++) sum += counts[i] * row[i];
        seedSums[s] = sum;
      }
      let total = 0;
      for (let s = 0; s < seeds; s++) total += seedSums[pick(seeds)];
      out[b] = total / (seeds * units);
    }
  } else {
    for (let b = 0; b < resamples; b++) {
      let total = 0;
      for (let s = 0; s < seeds; s++) {
        const row = rows[pick(seeds)];
        let sum = 0;
        for (let i = 0; i < row.length; i++) sum += row[pick(row.length)];
        total += sum / row.length;
      }
      out[b] = total / seeds;
    }
  }
  return out;
}

/** The percentile interval of a bootstrap distribution (linear interpolation between order statistics). */
export function percentileInterval(statistics: ArrayLike<number>, level = 0.95): Interval {
  if (!(level > 0 && level < 1)) throw new InvalidArgumentError(`level: expected a number between 0 and 1, found ${level}`);
  const sorted = Float64Array.from(statistics).sort();
  if (sorted.length === 0) throw new InvalidArgumentError('statistics: expected at least one bootstrap statistic, found none');
  const at = (q: number) => {
    const position = q * (sorted.length - 1);
    const below = Math.floor(position);
    const above = Math.min(sorted.length - 1, below + 1);
    return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
  };
  const tail = (1 - level) / 2;
  return { low: at(tail), high: at(1 - tail) };
}

/** The 95% (or `level`) percentile-bootstrap interval of grandMean; null when there is a single value (one seed, one unit). */
export function bootstrapInterval(set: ScoreSet, options: BootstrapOptions = {}): Interval | null {
  assertScoreSet(set);
  if (set.values.length === 1 && set.values[0].length === 1) return null;
  return percentileInterval(bootstrapMeans(set, options), options.level);
}

/**
 * `a - b` unit by unit: both methods scored on the same seeds and the same
 * units (same shots drawn, same test examples, in the same order).
 */
export function pairedDifference(a: ScoreSet, b: ScoreSet): ScoreSet {
  assertScoreSet(a, 'first scores');
  assertScoreSet(b, 'second scores');
  if (a.design !== b.design) throw new InvalidArgumentError(`paired difference: expected the same design, found '${a.design}' and '${b.design}'`);
  if (a.seeds.length !== b.seeds.length || a.seeds.some((seed, s) => seed !== b.seeds[s])) {
    throw new InvalidArgumentError(`paired difference: expected the same seeds, found [${a.seeds.slice(0, 10).join(', ')}] and [${b.seeds.slice(0, 10).join(', ')}]`);
  }
  const values = a.values.map((row, s) => {
    const other = b.values[s];
    if (row.length !== other.length) throw new InvalidArgumentError(`paired difference: seed ${a.seeds[s]}: expected the same number of units, found ${row.length} and ${other.length}`);
    return row.map((v, i) => v - other[i]);
  });
  return { seeds: [...a.seeds], design: a.design, values };
}
