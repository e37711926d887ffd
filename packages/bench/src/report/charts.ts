/** The charts of a run, per task: quality against trainable parameters, quality against shots (with interval bands), forgetting against quality, step time and memory per method. */
import { barChart, lineChart, scatterChart } from './svg';
import { tradeoffChart } from './svg-tradeoff';
import { byMethod, formatBytes, formatRatio, headlineShot, representative, shotName } from './format';
import type { BenchResults, MethodResult, TaskRecord } from './results';

export { headlineShot } from './format';

export interface Chart {
  /** The task it belongs to (file names alone would mix up 'text' and 'text-spam'). */
  readonly task: string;
  /** File name inside the output folder's charts/ directory. */
  readonly file: string;
  readonly title: string;
  readonly svg: string;
}

const scale = (task: TaskRecord) => (task.metric?.name === 'accuracy' ? 100 : 1);
const axisLabel = (task: TaskRecord) => (task.metric?.name === 'accuracy' ? 'accuracy (%)' : `${task.metric?.name ?? 'quality'}${task.metric && !task.metric.higherIsBetter ? ' (lower is better)' : ''}`);

export function taskCharts(task: TaskRecord, results: BenchResults['results']): Chart[] {
  if (task.status !== 'ok') return [];
  const rows = byMethod(task, results).filter((row) => representative(row) !== undefined);
  if (rows.length === 0) return [];
  const charts: Chart[] = [];
  const shot = headlineShot(task);
  const points = rows.flatMap((row) => {
    const r = row.byShot.get(shot);
    return r?.status === 'ok' && r.quality && r.trainableParameters ? [{ x: r.trainableParameters, y: r.quality.mean * scale(task), label: row.title, group: row.group }] : [];
  });
  if (points.length > 0) {
    charts.push({
      task: task.name,
      file: `${task.name}-quality-vs-parameters.svg`,
      title: `${task.title}: quality against trainable parameters (${shot} shot${shot === '1' ? '' : 's'})`,
      svg: scatterChart({ title: `${task.title}: ${axisLabel(task)} at ${shot} shot(s) vs trainable parameters`, xLabel: 'trainable parameters (log scale)', yLabel: axisLabel(task), points }),
    });
  }
  const categories = task.shots.map(shotName);
  if (categories.length > 0) {
    charts.push({
      task: task.name,
      file: `${task.name}-quality-vs-shots.svg`,
      title: `${task.title}: quality against shots`,
      svg: lineChart({
        title: `${task.title}: ${axisLabel(task)} vs shots`,
        xLabel: 'examples per class (per task for regression)',
        yLabel: axisLabel(task),
        categories,
        series: rows.map((row) => {
          const at = (c: string, pick: (q: NonNullable<MethodResult['quality']>) => number | null) => {
            const r = row.byShot.get(c);
            const value = r?.status === 'ok' && r.quality ? pick(r.quality) : null;
            return value === null ? null : value * scale(task);
          };
          return {
            name: row.title,
            group: row.group,
            values: categories.map((c) => at(c, (q) => q.mean)),
            low: categories.map((c) => at(c, (q) => q.low)),
            high: categories.map((c) => at(c, (q) => q.high)),
          };
        }),
      }),
    });
  }
  const tradeoff = rows.flatMap((row) => {
    const r = row.byShot.get(shot);
    if (r?.status !== 'ok' || !r.quality || !r.forgetting) return [];
    // Forgetting is in accuracy points; quality in the axis' unit.
    const scaled = (v: number | null, by: number) => (v === null ? null : v * by);
    const { forgetting, quality } = r;
    return [{ label: row.title, group: row.group, x: 100 * forgetting.mean, xLow: scaled(forgetting.low, 100), xHigh: scaled(forgetting.high, 100), y: quality.mean * scale(task), yLow: scaled(quality.low, scale(task)), yHigh: scaled(quality.high, scale(task)) }];
  });
  if (tradeoff.length > 0) {
    charts.push({
      task: task.name,
      file: `${task.name}-forgetting-vs-quality.svg`,
      title: `${task.title}: forgetting against quality (${shot} shot${shot === '1' ? '' : 's'})`,
      svg: tradeoffChart({
        title: `${task.title}: ${axisLabel(task)} vs forgetting at ${shot} shot(s), 95% intervals`,
        xLabel: 'forgetting: base-task accuracy points lost (left is better)',
        yLabel: axisLabel(task),
        points: tradeoff,
      }),
    });
  }
  const costed = rows.map((row) => ({ row, r: representative(row)! }));
  const withRatio = costed.filter(({ r }) => r.stepTimeRatio !== null);
  if (withRatio.length > 0) {
    charts.push({
      task: task.name,
      file: `${task.name}-step-time.svg`,
      title: `${task.title}: training step time over full fine-tuning`,
      svg: barChart({
        title: `${task.title}: step time / full fine-tuning (meta: one meta-step)`,
        xLabel: 'times full fine-tuning',
        reference: 1,
        bars: withRatio.map(({ row, r }) => ({ label: row.title, value: r.stepTimeRatio!, group: row.group, text: formatRatio(r.stepTimeRatio) })),
      }),
    });
  }
  const withMemory = costed.filter(({ r }) => r.peakTensorBytes !== null);
  if (withMemory.length > 0) {
    charts.push({
      task: task.name,
      file: `${task.name}-memory.svg`,
      title: `${task.title}: peak tensor memory while training`,
      svg: barChart({
        title: `${task.title}: peak tensor memory while training (MB)`,
        xLabel: 'MB (model, adapter, optimiser state, activations)',
        bars: withMemory.map(({ row, r }) => ({ label: row.title, value: r.peakTensorBytes! / 2 ** 20, group: row.group, text: formatBytes(r.peakTensorBytes) })),
      }),
    });
  }
  return charts;
}

export function allCharts(results: BenchResults): Chart[] {
  return results.tasks.flatMap((task) => taskCharts(task, results.results));
}
