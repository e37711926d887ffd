/**
 * The comparison users come for: each method against full fine-tuning on the
 * same seeds, shots and test examples, as paired differences with intervals.
 * Shared by the terminal table, the Markdown report and report.html.
 */
import { byMethod, formatDifference, metricLabel, metricSpan, NOT_DISTINGUISHABLE, shotName } from './format';
import type { MethodResult, TaskRecord } from './results';

/** Header and rows (cells as text) of a task's paired table; undefined when no method has a paired difference. */
export function pairedTable(task: TaskRecord, results: readonly MethodResult[]): { header: string[]; rows: string[][] } | undefined {
  const metric = task.metric?.name ?? 'quality';
  const span = metricSpan(task.metric);
  const shots = task.shots.map(shotName);
  const rows: string[][] = [];
  const compared = byMethod(task, results).filter((row) => [...row.byShot.values()].some((r) => r.versusFull !== null));
  if (compared.length === 0) return undefined;
  // Forgetting columns only where some method measured it (tasks without a base task have none).
  const forgettingShots = shots.filter((s) => compared.some((row) => row.byShot.get(s)?.versusFull?.forgetting));
  for (const row of compared) {
    const at = (s: string) => row.byShot.get(s)?.versusFull;
    rows.push([
      row.title,
      ...shots.map((s) => formatDifference(at(s)?.quality ?? null, metric, span)),
      // Forgetting is a difference of accuracies, so its range is 1 wide.
      ...forgettingShots.map((s) => formatDifference(at(s)?.forgetting ?? null, 'accuracy', 1)),
    ]);
  }
  const header = ['method', ...shots.map((s) => `Δ ${metricLabel(task)} @${s}`), ...forgettingShots.map((s) => `Δ forgetting @${s}`)];
  return { header, rows };
}

export const PAIRED_LEGEND =
  `Paired against full fine-tuning: method minus full on the same seeds, shots and test examples, with the 95% percentile-bootstrap interval over seeds × test examples; ` +
  `${NOT_DISTINGUISHABLE} marks an interval that contains 0 (not distinguishable from full fine-tuning). Forgetting in accuracy points (negative: forgets less).`;

/** Says how many seeds and units stand behind a task's intervals. */
export function samplingNote(task: TaskRecord, results: readonly MethodResult[]): string | undefined {
  const r = results.find((x) => x.task === task.name && x.status === 'ok' && x.quality !== null);
  if (!r?.quality) return undefined;
  const design = r.scores?.quality?.design;
  const units = design === 'crossed' ? `${r.quality.units} test examples shared by every seed and method` : `${r.quality.units} evaluation unit${r.quality.units === 1 ? '' : 's'} per seed`;
  return `Intervals: ${r.quality.n} seed${r.quality.n === 1 ? '' : 's'} × ${units}.`;
}
