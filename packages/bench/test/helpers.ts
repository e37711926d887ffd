import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBenchProgress, type BenchProgress } from '../src/index';

export function temporaryFolder(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `peftjs-bench-${prefix}-`));
}

/** Progress that records its lines (and prints nothing). */
export function recordingProgress(): BenchProgress & { lines: string[] } {
  const lines: string[] = [];
  const progress = createBenchProgress({ bar: false, write: (text) => void lines.push(text) });
  return Object.assign(progress, { lines });
}
