/**
 * Summary statistics: a mean with its 95% bootstrap interval over seeds ×
 * evaluation units (see bootstrap.ts for why not Student's t), and medians.
 */
import { bootstrapInterval, grandMean, type BootstrapOptions, type ScoreSet } from './bootstrap';

export interface Summary {
  /** Mean over seeds of each seed's mean over its evaluation units. */
  readonly mean: number;
  /** Bounds of the 95% percentile-bootstrap interval of the mean; null with a single value. */
  readonly low: number | null;
  readonly high: number | null;
  /** Seeds (runs) summarised. */
  readonly n: number;
  /** Evaluation units per seed (test examples, or evaluation tasks); the least, when seeds differ. */
  readonly units: number;
  /** Each seed's mean. */
  readonly values: readonly number[];
}

/** The summary of per-seed, per-unit scores. */
export function summarizeScores(set: ScoreSet, options: BootstrapOptions = {}): Summary {
  const interval = bootstrapInterval(set, options);
  return {
    mean: grandMean(set),
    low: interval?.low ?? null,
    high: interval?.high ?? null,
    n: set.values.length,
    units: Math.min(...set.values.map((row) => row.length)),
    values: set.values.map((row) => row.reduce((a, b) => a + b, 0) / row.length),
  };
}

/** The summary of one value per run (no units inside a run to resample). */
export function summarize(values: readonly number[], options: BootstrapOptions = {}): Summary {
  if (values.length === 0) return { mean: Number.NaN, low: null, high: null, n: 0, units: 0, values: [] };
  return summarizeScores({ seeds: values.map((_, i) => i), design: 'nested', values: values.map((v) => [v]) }, options);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
