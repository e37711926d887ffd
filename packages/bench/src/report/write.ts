/** Writes a run's outputs: results.json (validated), its schema, report.md, report.html and the SVG charts. Each file goes to a temporary name first. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { allCharts } from './charts';
import { htmlReport } from './html';
import { markdownReport } from './markdown';
import type { BenchResults } from './results';
import { RESULTS_SCHEMA } from './schema';
import { validate, type ValidationError } from './validate';

export interface WrittenReport {
  readonly directory: string;
  readonly files: string[];
  /** Schema violations of the results (empty when valid; the file is written either way, for inspection). */
  readonly errors: ValidationError[];
}

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

const NUMBER = String.raw`-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?`;
const NUMBER_ARRAY = new RegExp(String.raw`\[\s*(${NUMBER}(?:,\s*${NUMBER})*)\s*\]`, 'g');

/**
 * Indented JSON with every array of numbers on one line: the per-example
 * scores are hundreds of thousands of 0s and 1s, which one per line would
 * make a file of tens of megabytes.
 */
export function compactJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(NUMBER_ARRAY, (_, items: string) => `[${items.replace(/,\s+/g, ',')}]`);
}

export function writeReport(results: BenchResults, directory: string): WrittenReport {
  const out = path.resolve(directory);
  mkdirSync(path.join(out, 'charts'), { recursive: true });
  const json = JSON.parse(JSON.stringify(results)) as unknown;
  const errors = validate(json, RESULTS_SCHEMA);
  const charts = allCharts(results);
  const files: string[] = [];
  const put = (name: string, text: string) => {
    const file = path.join(out, name);
    writeAtomically(file, text);
    files.push(file);
  };
  put('results.json', `${compactJson(json)}\n`);
  put('results.schema.json', `${JSON.stringify(RESULTS_SCHEMA, null, 2)}\n`);
  for (const chart of charts) put(path.join('charts', chart.file), chart.svg);
  put('report.md', markdownReport(results, charts));
  put('report.html', htmlReport(results, charts));
  return { directory: out, files, errors };
}
