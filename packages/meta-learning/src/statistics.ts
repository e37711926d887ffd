/** Summary statistics for evaluation over many tasks. */

export interface MeanWithInterval {
  readonly mean: number;
  /** Half-width of the 95% confidence interval of the mean (normal approximation: 1.96 standard errors). */
  readonly ci95: number;
  readonly count: number;
}

export function meanWithInterval(values: readonly number[]): MeanWithInterval {
  const count = values.length;
  if (count === 0) return { mean: Number.NaN, ci95: Number.NaN, count };
  const mean = values.reduce((a, b) => a + b, 0) / count;
  if (count === 1) return { mean, ci95: Number.NaN, count };
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (count - 1);
  return { mean, ci95: (1.96 * Math.sqrt(variance)) / Math.sqrt(count), count };
}
