/** The plain-text table printed at the end of a run: one block per task. */
import type { BenchResults, MethodResult, TaskRecord } from './results';
import { byMethod, forgettingCell, formatBytes, headlineShot, formatRatio, formatShare, metricLabel, NOT_DISTINGUISHABLE, qualityCell, representative, shotName } from './format';
import { pairedTable, samplingNote } from './paired';

function pad(cells: string[][]): string {
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  return cells.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

function skipReason(row: { byShot: Map<string, MethodResult> }): string | undefined {
  const all = [...row.byShot.values()];
  if (all.some((r) => r.status === 'ok')) return undefined;
  return `${all[0]?.status ?? 'skipped'}: ${all[0]?.reason ?? ''}`;
}

export function taskTable(task: TaskRecord, results: readonly MethodResult[]): string {
  const heading = `${task.title} [${task.name}]`;
  if (task.status !== 'ok') return `${heading}\n  ${task.status}: ${task.reason ?? ''}`;
  const shots = task.shots.map(shotName);
  // Forgetting is shown at the headline shot (more shots move the base further).
  const forgettingShot = headlineShot(task);
  const header = ['method', ...shots.map((s) => `${metricLabel(task)} @${s}`), 'trainable', 'opt state', 'peak mem', 'step', 'latency', 'stored', `forgetting @${forgettingShot}`];
  const rows: string[][] = [header];
  const skippedLines: string[] = [];
  for (const row of byMethod(task, results)) {
    const reason = skipReason(row);
    if (reason !== undefined) {
      skippedLines.push(`  ${row.title}: ${reason}`);
      continue;
    }
    const r = representative(row)!;
    rows.push([
      row.title,
      ...shots.map((s) => {
        const cell = row.byShot.get(s);
        return cell?.status === 'ok' ? qualityCell(cell, task.metric) : '-';
      }),
      formatShare(r.trainableShare),
      formatBytes(r.optimizerStateBytes),
      formatBytes(r.peakTensorBytes),
      formatRatio(r.stepTimeRatio),
      formatRatio(r.latencyRatio),
      formatBytes(r.adapterBytes),
      forgettingCell(row, forgettingShot),
    ]);
  }
  const lines = [heading, pad(rows)];
  const note = samplingNote(task, results);
  if (note) lines.push(note);
  const paired = pairedTable(task, results);
  if (paired) lines.push('vs full fine-tuning (paired):', pad([paired.header, ...paired.rows]));
  if (skippedLines.length > 0) lines.push('skipped:', ...skippedLines);
  return lines.join('\n');
}

export function resultsTable(results: BenchResults): string {
  const blocks = results.tasks.map((task) => taskTable(task, results.results));
  const b = results.environment.backend;
  return [
    ...blocks,
    `quality and forgetting: mean [95% bootstrap interval over seeds × test examples]; ${NOT_DISTINGUISHABLE}: not distinguishable from full fine-tuning (the paired interval contains 0); "unresolved": an interval as wide as the metric's range. ` +
      `step and latency: times over full fine-tuning's step and the base's forward pass, measured in this run; stored: bytes per task (adapter folder, or trained tensors); forgetting: base-task accuracy points lost. Backend ${b.name}, ${results.durationSeconds.toFixed(0)} s.`,
  ].join('\n\n');
}
