/** A task's main table as text cells, and the methods that did not run: shared by the Markdown report and report.html. */
import { byMethod, forgettingCell, formatBytes, headlineShot, formatCount, formatRatio, formatShare, metricLabel, qualityCell, representative, shotName } from './format';
import type { MethodResult, TaskRecord } from './results';

export interface NotRun {
  readonly title: string;
  readonly method: string;
  /** Undefined: every shot. */
  readonly shot?: string;
  readonly status: string;
  readonly reason: string;
}

export function taskRows(task: TaskRecord, results: readonly MethodResult[]): { header: string[]; rows: string[][]; notRun: NotRun[] } {
  const shots = task.shots.map(shotName);
  // Forgetting is shown at the headline shot (more shots move the base further).
  const forgettingShot = headlineShot(task);
  const header = ['method', ...shots.map((s) => `${metricLabel(task)} @${s}`), 'trainable', 'share', 'optimizer state', 'peak memory', 'step time', 'latency (merged)', 'stored per task', `forgetting @${forgettingShot}`];
  const rows: string[][] = [];
  const notRun: NotRun[] = [];
  for (const row of byMethod(task, results)) {
    const r = representative(row);
    if (r === undefined) {
      const first = [...row.byShot.values()][0];
      notRun.push({ title: row.title, method: row.method, status: first?.status ?? 'skipped', reason: first?.reason ?? '' });
      continue;
    }
    for (const x of row.byShot.values()) {
      if (x.status !== 'ok') notRun.push({ title: row.title, method: row.method, shot: shotName(x.shot), status: x.status, reason: x.reason ?? '' });
    }
    rows.push([
      row.title,
      ...shots.map((s) => {
        const cell = row.byShot.get(s);
        return cell?.status === 'ok' ? qualityCell(cell, task.metric) : '-';
      }),
      formatCount(r.trainableParameters),
      formatShare(r.trainableShare),
      formatBytes(r.optimizerStateBytes),
      formatBytes(r.peakTensorBytes),
      formatRatio(r.stepTimeRatio),
      `${formatRatio(r.latencyRatio)}${r.latencyMergedRatio !== null ? ` (${formatRatio(r.latencyMergedRatio)})` : ''}`,
      formatBytes(r.adapterBytes),
      forgettingCell(row, forgettingShot),
    ]);
  }
  return { header, rows, notRun };
}
