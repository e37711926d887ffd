/**
 * report.html: every table and chart of a run on one page that opens offline.
 * Charts are inlined as SVG elements and the style sheet is inline: the page
 * makes no request of any kind (no fonts, scripts, images or links out).
 */
import type { Chart } from './charts';
import { runSummary, READING_GUIDE } from './markdown';
import { PAIRED_LEGEND, pairedTable, samplingNote } from './paired';
import type { BenchResults, TaskRecord } from './results';
import { taskRows } from './task-table';

const STYLE = `
body { font-family: Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 80rem; padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.85rem; } .table { overflow-x: auto; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; white-space: nowrap; }
th { background: #f4f4f4; } td:not(:first-child) { text-align: right; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #fafafa; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; } figure { margin: 0; } figcaption { font-size: 0.8rem; color: #555; }
svg { max-width: 100%; height: auto; } .note { color: #444; font-size: 0.9rem; } code { background: #f4f4f4; padding: 0 0.2rem; }
`;

export function escapeHtml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' })[c]!);
}

/** Markdown's *emphasis* and `code` in our own fixed texts, after escaping. */
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/\*([^*]+)\*/g, '<em>$1</em>')
    .replace(/`([^`]+)`/g, '<code>$1</code>');
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const head = `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  // Wide tables scroll inside their box instead of widening the page.
  return `<div class="table"><table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}

/**
 * An SVG document as an element of the page. Inline SVG in HTML needs no
 * namespace declaration, and dropping it leaves the page without a single
 * http(s) string, so "no external reference" can be checked by a plain search.
 */
export function inlineSvg(svg: string): string {
  return svg.replace(/\s+xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, '').trim();
}

function taskSection(task: TaskRecord, results: BenchResults['results'], charts: readonly Chart[]): string[] {
  const parts = [`<section id="task-${escapeHtml(task.name)}">`, `<h2>${escapeHtml(task.title)} (<code>${escapeHtml(task.name)}</code>)</h2>`, `<p>${escapeHtml(task.description)}</p>`];
  if (task.status !== 'ok') return [...parts, `<p><strong>${escapeHtml(task.status)}</strong>: ${escapeHtml(task.reason ?? '')}</p>`, '</section>'];
  if (task.notes.length > 0) parts.push(`<ul class="note">${task.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`);
  const { header, rows, notRun } = taskRows(task, results);
  parts.push(table(header, rows));
  const note = samplingNote(task, results);
  if (note) parts.push(`<p class="note">${escapeHtml(note)}</p>`);
  const paired = pairedTable(task, results);
  if (paired) parts.push('<h3>Against full fine-tuning (paired differences)</h3>', table(paired.header, paired.rows));
  if (notRun.length > 0) {
    const items = notRun.map((x) => `<li><strong>${escapeHtml(x.title)}</strong>${x.shot === undefined ? ` (<code>${escapeHtml(x.method)}</code>)` : ` @${escapeHtml(x.shot)}`}: ${escapeHtml(x.status)}: ${escapeHtml(x.reason)}</li>`);
    parts.push('<p>Not run:</p>', `<ul class="note">${items.join('')}</ul>`);
  }
  const extras = Object.entries(task.extras);
  if (extras.length > 0) {
    const items = extras.map(([key, value]) => `<li><code>${escapeHtml(key)}</code>: ${escapeHtml(typeof value === 'string' ? value : JSON.stringify(value))}</li>`);
    parts.push('<p>Further measurements:</p>', `<ul class="note">${items.join('')}</ul>`);
  }
  const own = charts.filter((c) => c.task === task.name);
  if (own.length > 0) {
    parts.push('<div class="charts">');
    for (const chart of own) parts.push(`<figure data-chart="${escapeHtml(chart.file)}">${inlineSvg(chart.svg)}<figcaption>${escapeHtml(chart.title)}</figcaption></figure>`);
    parts.push('</div>');
  }
  parts.push('</section>');
  return parts;
}

export function htmlReport(results: BenchResults, charts: readonly Chart[]): string {
  const summary = runSummary(results);
  const contents = results.tasks.map((t) => `<li><a href="#task-${escapeHtml(t.name)}">${escapeHtml(t.title)}</a></li>`).join('');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>peftjs-bench report: ${escapeHtml(results.suite)} suite</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<h1>peftjs-bench report</h1>',
    `<p>${escapeHtml(summary.headline)}</p>`,
    `<ul>${summary.environment.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`,
    `<p class="note">${inline(READING_GUIDE)}</p>`,
    `<p class="note">${inline(PAIRED_LEGEND)}</p>`,
    `<nav><ul>${contents}</ul></nav>`,
    ...results.tasks.flatMap((task) => taskSection(task, results.results, charts)),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
