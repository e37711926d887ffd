/** The Markdown report: environment, per-task tables and notes, charts, skipped methods. */
import type { Chart } from './charts';
import { byMethod, formatBytes, formatCount, formatRatio, formatShare, formatSummary, metricLabel, representative, shotName } from './format';
import type { BenchResults, TaskRecord } from './results';

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function taskSection(task: TaskRecord, results: BenchResults['results'], charts: readonly Chart[]): string[] {
  const lines = [`## ${task.title} (\`${task.name}\`)`, '', task.description, ''];
  if (task.status !== 'ok') return [...lines, `**${task.status}**: ${task.reason ?? ''}`, ''];
  for (const note of task.notes) lines.push(`- ${note}`);
  lines.push('');
  const metric = task.metric?.name ?? 'quality';
  const shots = task.shots.map(shotName);
  const header = ['method', ...shots.map((s) => `${metricLabel(task)} @${s}`), 'trainable', 'share', 'optimizer state', 'peak memory', 'step time', 'latency (merged)', 'stored per task', 'forgetting'];
  lines.push(`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
  const skipped: string[] = [];
  for (const row of byMethod(task, results)) {
    const r = representative(row);
    if (r === undefined) {
      const first = [...row.byShot.values()][0];
      skipped.push(`- **${row.title}** (\`${row.method}\`): ${first?.status ?? 'skipped'}: ${escapeCell(first?.reason ?? '')}`);
      continue;
    }
    const notRun = [...row.byShot.values()].filter((x) => x.status !== 'ok');
    for (const x of notRun) skipped.push(`- **${row.title}** @${shotName(x.shot)}: ${x.status}: ${escapeCell(x.reason ?? '')}`);
    const forgetting = [...row.byShot.values()].find((x) => x.forgetting !== null)?.forgetting ?? null;
    const cells = [
      row.title,
      ...shots.map((s) => {
        const cell = row.byShot.get(s);
        return cell?.status === 'ok' ? formatSummary(cell.quality, metric) : '-';
      }),
      formatCount(r.trainableParameters),
      formatShare(r.trainableShare),
      formatBytes(r.optimizerStateBytes),
      formatBytes(r.peakTensorBytes),
      formatRatio(r.stepTimeRatio),
      `${formatRatio(r.latencyRatio)}${r.latencyMergedRatio !== null ? ` (${formatRatio(r.latencyMergedRatio)})` : ''}`,
      formatBytes(r.adapterBytes),
      forgetting ? formatSummary(forgetting, 'accuracy') : '-',
    ];
    lines.push(`| ${cells.map(escapeCell).join(' | ')} |`);
  }
  lines.push('');
  if (skipped.length > 0) lines.push('Not run:', '', ...skipped, '');
  const extras = Object.entries(task.extras);
  if (extras.length > 0) {
    lines.push('Further measurements:', '');
    for (const [key, value] of extras) lines.push(`- \`${key}\`: ${typeof value === 'string' ? value : `\`${JSON.stringify(value)}\``}`);
    lines.push('');
  }
  for (const chart of charts.filter((c) => c.file.startsWith(`${task.name}-`))) lines.push(`![${chart.title}](charts/${chart.file})`, '');
  return lines;
}

export function markdownReport(results: BenchResults, charts: readonly Chart[]): string {
  const env = results.environment;
  const b = env.backend;
  const versions = Object.entries(env.versions)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [
    '# peftjs-bench report',
    '',
    `Suite **${results.suite}** (size ${results.size}), seeds ${results.seeds.join(', ')}, started ${results.startedAt}, ${results.durationSeconds.toFixed(0)} s.`,
    '',
    `- Backend: ${b.name} (tfjs '${b.tfjsBackend}', ${b.device}, SIMD ${String(b.simd)}, ${b.threads} thread${b.threads === 1 ? '' : 's'})`,
    `- Hardware: ${env.hardware.cpuModel}, ${env.hardware.cpus} CPUs, ${formatBytes(env.hardware.memoryBytes)} RAM, ${env.hardware.platform}/${env.hardware.arch}, load average at the end ${env.hardware.loadAverage.join(' / ')}`,
    `- Versions: ${versions}`,
    '',
    'How to read the tables: quality is the mean with its 95% interval (Student t) over seeds (over every evaluation task of every seed for sinusoids). ' +
      '*trainable* counts what is trained and stored per task (for meta-learners: what the inner loop adapts); *optimizer state* is Adam\'s for those parameters (meta-learners: for the meta-parameters). ' +
      '*peak memory* is the high-water mark of tensor bytes while training, above what existed before the base was built. *step time* is the median training step over full fine-tuning\'s on the same task and shot, measured in this run ' +
      '(meta-learners: one meta-step). *latency* is the median forward pass over the unadapted base\'s, interleaved; in brackets with the adapter merged. *stored per task* is the saved adapter folder (peft layout) or the trained tensors as safetensors. ' +
      '*forgetting* is the base task\'s accuracy before minus after adaptation, in points.',
    '',
  ];
  for (const task of results.tasks) lines.push(...taskSection(task, results.results, charts));
  return lines.join('\n');
}
