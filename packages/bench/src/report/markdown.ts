/** The Markdown report: environment, per-task tables and notes, charts, skipped methods. */
import type { Chart } from './charts';
import { formatBytes, NOT_DISTINGUISHABLE } from './format';
import { taskRows } from './task-table';
import { PAIRED_LEGEND, pairedTable, samplingNote } from './paired';
import type { BenchResults, TaskRecord } from './results';

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function taskSection(task: TaskRecord, results: BenchResults['results'], charts: readonly Chart[]): string[] {
  const lines = [`## ${task.title} (\`${task.name}\`)`, '', task.description, ''];
  if (task.status !== 'ok') return [...lines, `**${task.status}**: ${task.reason ?? ''}`, ''];
  for (const note of task.notes) lines.push(`- ${note}`);
  lines.push('');
  const { header, rows, notRun } = taskRows(task, results);
  lines.push(`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
  for (const cells of rows) lines.push(`| ${cells.map(escapeCell).join(' | ')} |`);
  const skipped = notRun.map((x) => (x.shot === undefined ? `- **${x.title}** (\`${x.method}\`): ${x.status}: ${escapeCell(x.reason)}` : `- **${x.title}** @${x.shot}: ${x.status}: ${escapeCell(x.reason)}`));
  lines.push('');
  const note = samplingNote(task, results);
  if (note) lines.push(note, '');
  const paired = pairedTable(task, results);
  if (paired) {
    lines.push('Against full fine-tuning (paired differences):', '', `| ${paired.header.join(' | ')} |`, `| ${paired.header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
    for (const row of paired.rows) lines.push(`| ${row.map(escapeCell).join(' | ')} |`);
    lines.push('');
  }
  if (skipped.length > 0) lines.push('Not run:', '', ...skipped, '');
  const extras = Object.entries(task.extras);
  if (extras.length > 0) {
    lines.push('Further measurements:', '');
    for (const [key, value] of extras) lines.push(`- \`${key}\`: ${typeof value === 'string' ? value : `\`${JSON.stringify(value)}\``}`);
    lines.push('');
  }
  for (const chart of charts.filter((c) => c.task === task.name)) lines.push(`![${chart.title}](charts/${chart.file})`, '');
  return lines;
}

/** What the columns mean (Markdown emphasis marks the column names). */
export const READING_GUIDE =
  'How to read the tables: quality is the mean with its 95% percentile-bootstrap interval over seeds × test examples (sinusoids: × evaluation tasks), in brackets; ' +
  `an interval as wide as the metric's range is printed as "unresolved"; ${NOT_DISTINGUISHABLE} marks a method not distinguishable from full fine-tuning (its paired interval contains 0). ` +
  '*trainable* counts what is trained and stored per task (for meta-learners: what the inner loop adapts); *optimizer state* is Adam\'s for those parameters (meta-learners: for the meta-parameters). ' +
  '*peak memory* is the high-water mark of tensor bytes while training, above what existed before the base was built. *step time* is the median training step over full fine-tuning\'s on the same task and shot, measured in this run ' +
  '(meta-learners: one meta-step). *latency* is the median forward pass over the unadapted base\'s, interleaved; in brackets with the adapter merged. *stored per task* is the saved adapter folder (peft layout) or the trained tensors as safetensors. ' +
  '*forgetting* is the base task\'s accuracy before minus after adaptation, in points, at the largest shot count up to 10 (the paired table has every shot).';

/** The run in one sentence, and the environment as list items (plain text). */
export function runSummary(results: BenchResults): { headline: string; environment: string[] } {
  const env = results.environment;
  const b = env.backend;
  const versions = Object.entries(env.versions)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return {
    headline: `Suite ${results.suite} (size ${results.size}), seeds ${results.seeds.join(', ')}, started ${results.startedAt}, ${results.durationSeconds.toFixed(0)} s.`,
    environment: [
      `Backend: ${b.name} (tfjs '${b.tfjsBackend}', ${b.device}, SIMD ${String(b.simd)}, ${b.threads} thread${b.threads === 1 ? '' : 's'})`,
      `Hardware: ${env.hardware.cpuModel}, ${env.hardware.cpus} CPUs, ${formatBytes(env.hardware.memoryBytes)} RAM, ${env.hardware.platform}/${env.hardware.arch}, load average at the end ${env.hardware.loadAverage.join(' / ')}`,
      `Versions: ${versions}`,
    ],
  };
}

export function markdownReport(results: BenchResults, charts: readonly Chart[]): string {
  const summary = runSummary(results);
  const lines = [
    '# peftjs-bench report',
    '',
    summary.headline.replace(`Suite ${results.suite} `, `Suite **${results.suite}** `),
    '',
    ...summary.environment.map((item) => `- ${item}`),
    '',
    READING_GUIDE,
    '',
    PAIRED_LEGEND,
    '',
  ];
  for (const task of results.tasks) lines.push(...taskSection(task, results.results, charts));
  return lines.join('\n');
}
