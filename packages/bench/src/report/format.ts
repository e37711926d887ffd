/** Number formatting shared by the table, the Markdown report and the charts. */
import type { Summary } from '../runner/stats';
import type { Shot } from '../types';
import type { MethodResult, PairedDifference, TaskRecord } from './results';

export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return '-';
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 100 || unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export function formatCount(n: number | null): string {
  if (n === null) return '-';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return n.toLocaleString('en-US');
}

export function formatShare(share: number | null): string {
  if (share === null) return '-';
  const percent = 100 * share;
  return `${percent >= 10 ? percent.toFixed(0) : percent >= 1 ? percent.toFixed(1) : percent.toFixed(2)}%`;
}

export function formatRatio(ratio: number | null): string {
  return ratio === null || !Number.isFinite(ratio) ? '-' : `${ratio.toFixed(2)}x`;
}

/** Accuracy in percent, other metrics as numbers. */
export function formatMetric(value: number, metric: string): string {
  if (!Number.isFinite(value)) return '-';
  return metric === 'accuracy' ? (100 * value).toFixed(1) : value >= 10 ? value.toFixed(1) : value.toFixed(3);
}

/** Marks a result whose paired interval against full fine-tuning contains 0. */
export const NOT_DISTINGUISHABLE = '≈';

/**
 * A mean with its interval, `72.3 [70.1, 74.4]`. An interval at least as wide
 * as `span` (what the values can range over) says nothing, and is printed as
 * `(unresolved)` instead.
 */
export function formatSummary(summary: Summary | null, metric: string, span: number | null = null): string {
  if (summary === null || summary.n === 0) return '-';
  const mean = formatMetric(summary.mean, metric);
  if (summary.low === null || summary.high === null) return mean;
  if (span !== null && summary.high - summary.low >= span) return `${mean} (unresolved)`;
  return `${mean} [${formatMetric(summary.low, metric)}, ${formatMetric(summary.high, metric)}]`;
}

/** A paired difference, signed: `+4.1 [2.0, 6.3]`, with the not-distinguishable mark when its interval holds 0. */
export function formatDifference(difference: PairedDifference | null, metric: string, span: number | null): string {
  if (difference === null) return '-';
  const signed = (v: number) => `${v > 0 ? '+' : ''}${formatMetric(v, metric)}`;
  if (difference.low === null || difference.high === null) return signed(difference.mean);
  if (span !== null && difference.high - difference.low >= 2 * span) return `${signed(difference.mean)} (unresolved)`;
  const text = `${signed(difference.mean)} [${signed(difference.low)}, ${signed(difference.high)}]`;
  return difference.distinguishable ? text : `${text} ${NOT_DISTINGUISHABLE}`;
}

/** The values a task's metric can take: its own range, [0, 1] for accuracy, else unbounded (null). */
export function metricRange(metric: TaskRecord['metric']): readonly [number, number] | null {
  if (metric?.range) return metric.range;
  return metric?.name === 'accuracy' ? [0, 1] : null;
}

/** The width of a metric's range (null: unbounded). */
export function metricSpan(metric: TaskRecord['metric']): number | null {
  const range = metricRange(metric);
  return range === null ? null : range[1] - range[0];
}

/** A result's quality cell: its interval, marked when it is not distinguishable from full fine-tuning's. */
export function qualityCell(result: MethodResult, metric: TaskRecord['metric']): string {
  const text = formatSummary(result.quality, metric?.name ?? 'quality', metricSpan(metric));
  return result.versusFull?.quality && !result.versusFull.quality.distinguishable ? `${text} ${NOT_DISTINGUISHABLE}` : text;
}

/** The shot count charts and the forgetting column show: the largest few-shot one (at most 10), else the first. */
export function headlineShot(task: TaskRecord): string {
  const numeric = task.shots.filter((s): s is number => typeof s === 'number' && s <= 10);
  return shotName(numeric.length > 0 ? Math.max(...numeric) : task.shots[0]);
}

/** The forgetting cell of a row at `shot` (else the first shot that measured it), in accuracy points, marked as quality cells are. */
export function forgettingCell(row: { byShot: Map<string, MethodResult> }, shot?: string): string {
  const atShot = shot === undefined ? undefined : row.byShot.get(shot);
  const result = atShot?.forgetting ? atShot : [...row.byShot.values()].find((x) => x.forgetting !== null);
  if (!result) return '-';
  // Forgetting is a difference of accuracies: it ranges over [-1, 1].
  const text = formatSummary(result.forgetting, 'accuracy', 2);
  return result.versusFull?.forgetting && !result.versusFull.forgetting.distinguishable ? `${text} ${NOT_DISTINGUISHABLE}` : text;
}

export function shotName(shot: Shot): string {
  return shot === 'all' ? 'all' : String(shot);
}

/** The unit a metric is shown in. */
export function metricLabel(task: TaskRecord): string {
  const metric = task.metric?.name ?? 'quality';
  return metric === 'accuracy' ? 'accuracy %' : metric;
}

/** Methods of a task in registry order, each with its results by shot. */
export function byMethod(task: TaskRecord, results: readonly MethodResult[]): Array<{ method: string; title: string; group: string; byShot: Map<string, MethodResult> }> {
  const rows = new Map<string, { method: string; title: string; group: string; byShot: Map<string, MethodResult> }>();
  for (const r of results) {
    if (r.task !== task.name) continue;
    let row = rows.get(r.method);
    if (!row) {
      row = { method: r.method, title: r.title, group: r.group, byShot: new Map() };
      rows.set(r.method, row);
    }
    row.byShot.set(shotName(r.shot), r);
  }
  return [...rows.values()];
}

/** The first result of a row that ran (its costs stand for the row). */
export function representative(row: { byShot: Map<string, MethodResult> }): MethodResult | undefined {
  return [...row.byShot.values()].find((r) => r.status === 'ok');
}
