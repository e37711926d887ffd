/** The reports of a hand-made run: interval marks, the paired table, the charts, report.html and the JSON schema. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RESULTS_SCHEMA, allCharts, markdownReport, resultsTable, validate, writeReport, type MethodResult } from '../src/index';
import { formatSummary } from '../src/report/format';
import { htmlReport } from '../src/report/html';
import { compactJson } from '../src/report/write';
import { temporaryFolder } from './helpers';
import { syntheticResults } from './synthetic-results';

const results = syntheticResults();
const find = (task: string, method: string, shot: number) => results.results.find((r) => r.task === task && r.method === method && r.shot === shot)!;

test('paired differences: identical predictions are not distinguishable, a much worse method is', () => {
  const lora = find('text', 'lora', 1).versusFull!;
  expect(lora.quality!.mean).toBe(0);
  expect(lora.quality!.distinguishable).toBe(false);
  const head = find('text', 'head', 1).versusFull!;
  expect(head.quality!.mean).toBeLessThan(-0.15);
  expect(head.quality!.high!).toBeLessThan(0);
  expect(head.quality!.distinguishable).toBe(true);
  // Head only forgets nothing, full fine-tuning every fifth old example on every seed: -0.2, and only examples vary,
  // so the interval is -0.2 ± 1.96 sqrt(0.2 * 0.8 / 300).
  expect(head.forgetting!.mean).toBeCloseTo(-0.2, 12);
  expect(head.forgetting!.low!).toBeCloseTo(-0.2 - 1.96 * Math.sqrt(0.16 / 300), 2);
  expect(head.forgetting!.high!).toBeCloseTo(-0.2 + 1.96 * Math.sqrt(0.16 / 300), 2);
  expect(head.forgetting!.distinguishable).toBe(true);
});

test('the table marks methods not distinguishable from full fine-tuning, and prints the paired block', () => {
  const table = resultsTable(results);
  const lines = table.split('\n');
  const loraRow = lines.find((l) => l.startsWith('LoRA r=4'))!; // the main table's row comes before the paired block's
  expect(loraRow).toContain('≈');
  const headRow = lines.find((l) => l.startsWith('Head only'))!;
  expect(headRow).not.toContain('≈');
  expect(table).toContain('vs full fine-tuning (paired):');
  // Forgetting: the main table at the headline shot, the paired block at every shot.
  expect(lines.find((l) => l.startsWith('method') && l.includes('trainable'))).toMatch(/forgetting @10$/);
  expect(lines.find((l) => l.startsWith('method') && l.includes('Δ'))).toMatch(/Δ accuracy % @1\s+Δ accuracy % @10\s+Δ forgetting @1\s+Δ forgetting @10$/);
  expect(table).toMatch(/Head only\s+-\d+\.\d \[-\d+\.\d, -\d+\.\d\]/);
});

test('an interval as wide as the metric range is printed as unresolved, never as numbers', () => {
  // What Student t over 2 seeds printed as 64.3±114.4%.
  const wide = { mean: 0.643, low: -0.501, high: 1.787, n: 2, units: 1, values: [0.2, 1] };
  expect(formatSummary(wide, 'accuracy', 1)).toBe('64.3 (unresolved)');
  expect(formatSummary({ ...wide, low: 0, high: 1 }, 'accuracy', 1)).toBe('64.3 (unresolved)');
  expect(formatSummary({ ...wide, low: 0.6, high: 0.7 }, 'accuracy', 1)).toBe('64.3 [60.0, 70.0]');
  // Unbounded metrics (MSE) have no range to exceed.
  expect(formatSummary({ ...wide, mean: 3.2, low: 0.5, high: 9 }, 'mse', null)).toBe('3.200 [0.500, 9.000]');
  // In a table: a result whose interval covers the whole range.
  const broken = { ...results, results: results.results.map((r): MethodResult => (r.method === 'head' && r.task === 'text' && r.shot === 10 ? { ...r, quality: { ...r.quality!, low: 0, high: 1 } } : r)) };
  expect(resultsTable(broken)).toMatch(/Head only\s+\S+ \[[^\]]+\]\s+\d+\.\d \(unresolved\)/);
});

test('charts: quality against shots has interval bands, and forgetting against quality has error bars on both axes', () => {
  const charts = allCharts(results);
  const shots = charts.find((c) => c.file === 'text-quality-vs-shots.svg')!;
  expect((shots.svg.match(/<polygon class="band"/g) ?? []).length).toBe(3);
  const tradeoff = charts.find((c) => c.file === 'text-forgetting-vs-quality.svg')!;
  expect(tradeoff.task).toBe('text');
  expect((tradeoff.svg.match(/class="error-bar"/g) ?? []).length).toBe(6);
  expect(tradeoff.svg).toContain('LoRA r=4');
});

test("report.html holds every table and chart, and references nothing outside itself", () => {
  const out = temporaryFolder('html');
  const written = writeReport(results, out);
  expect(written.errors).toEqual([]);
  const html = readFileSync(path.join(out, 'report.html'), 'utf8');
  const charts = allCharts(results);
  expect(charts.length).toBeGreaterThanOrEqual(10);
  for (const chart of charts) expect(html).toContain(`data-chart="${chart.file}"`);
  expect((html.match(/<svg /g) ?? []).length).toBe(charts.length);
  expect((html.match(/<table>/g) ?? []).length).toBe(4); // main and paired table per task
  expect(html).not.toMatch(/https?:/i);
  expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|url\(|@import/i);
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  expect(html).toBe(htmlReport(results, charts));
});

test("a task's section shows its own charts only (text-spam's are not text's)", () => {
  const charts = allCharts(results);
  const markdown = markdownReport(results, charts);
  const textSection = markdown.slice(markdown.indexOf('(`text`)'), markdown.indexOf('(`text-spam`)'));
  expect(textSection).toContain('charts/text-quality-vs-shots.svg');
  expect(textSection).not.toContain('charts/text-spam-');
  const html = htmlReport(results, charts);
  const htmlText = html.slice(html.indexOf('<section id="task-text">'), html.indexOf('<section id="task-text-spam">'));
  expect(htmlText).not.toContain('data-chart="text-spam-');
});

test('the new results validate against the schema (version 2), and broken scores are caught with their path', () => {
  const json = JSON.parse(compactJson(results)) as { schemaVersion: number };
  // Loosely typed on purpose: the test breaks the file in ways the types forbid.
  const at = (...keys: Array<string | number>) => keys.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], json) as Record<string | number, unknown>;
  expect(json).toEqual(JSON.parse(JSON.stringify(results)));
  expect(json.schemaVersion).toBe(2);
  expect(validate(json, RESULTS_SCHEMA)).toEqual([]);
  at('results', 0, 'scores', 'quality', 'values', 1)[3] = 'x';
  at('results', 1).versusFull = { quality: null };
  at('results', 2, 'quality').ci95 = 0.1;
  at('results', 3, 'scores', 'quality').design = 'paired';
  const errors = validate(json, RESULTS_SCHEMA).map((e) => e.path);
  expect(errors).toEqual(expect.arrayContaining(['$.results[0].scores', '$.results[1].versusFull', '$.results[2].quality', '$.results[3].scores']));
  const old = JSON.parse(JSON.stringify(results)) as { schemaVersion: number };
  old.schemaVersion = 1;
  expect(validate(old, RESULTS_SCHEMA).map((e) => e.path)).toContain('$.schemaVersion');
});

test('results.json keeps arrays of numbers on one line', () => {
  const text = compactJson({ a: [1, 0, -1, 0.5, 1e-7], b: [[1, 2], [3]], c: ['x', 'y'] });
  expect(text).toContain('"a": [1,0,-1,0.5,1e-7]');
  expect(text).toContain('[1,2]');
  expect(text).toMatch(/"c": \[\n\s+"x",/);
});
