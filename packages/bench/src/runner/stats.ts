/** Summary statistics: mean with a 95% interval (Student's t, since seeds are few), medians. */

export interface Summary {
  readonly mean: number;
  /** Half-width of the 95% interval of the mean; null with one value. */
  readonly ci95: number | null;
  readonly n: number;
  readonly values: readonly number[];
}

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08,
  2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function tQuantile975(degrees: number): number {
  return degrees <= 30 ? T_975[degrees - 1] : 1.96 + 2.4 / degrees; // close to the table's tail, 1.96 in the limit
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, ci95: null, n, values: [] };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, ci95: null, n, values: [...values] };
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, ci95: (tQuantile975(n - 1) * Math.sqrt(variance)) / Math.sqrt(n), n, values: [...values] };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
