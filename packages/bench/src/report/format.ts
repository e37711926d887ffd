/** Number formatting shared by the table, the Markdown report and the charts. */
import type { Summary } from '../runner/stats';
import type { Shot } from '../types';
import type { MethodResult, TaskRecord } from './results';

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

export function formatSummary(summary: Summary | null, metric: string): string {
  if (summary === null || summary.n === 0) return '-';
  const mean = formatMetric(summary.mean, metric);
  return summary.ci95 === null ? mean : `${mean}±${formatMetric(summary.ci95, metric)}`;
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
