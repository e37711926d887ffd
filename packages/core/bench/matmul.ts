/**
 * Matmul throughput (GFLOP/s) of every installed backend at 256, 512 and 1024.
 *
 *   npx tsx packages/core/bench/matmul.ts [--runs 7] [--sizes 256,512,1024]
 *
 * Each configuration runs in its own child process: a tfjs process can start
 * wasm only once, with one thread count, and one backend's warm state should
 * not flatter the next. Per size: warm-up runs, then the median of timed runs
 * (at least --runs, more while under a time budget). A run is one n x n by
 * n x n product read back to JS, i.e. 2 n^3 floating-point operations.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type ResolvedBackendName } from '../src/backend/index';
import { isPackageInstalled } from '../src/backend/node-modules';

interface Config {
  backend: ResolvedBackendName;
  threads?: number;
}

interface Row {
  label: string;
  threads: number;
  simd: boolean | null;
  gflops: Record<number, number>;
  ms: Record<number, number>;
}

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const SIZES = option('sizes', '256,512,1024').split(',').map(Number);
const MIN_RUNS = Number(option('runs', '7'));
const BUDGET_MS = 1500; // per size: keep timing fast configs until this much time is spent
const MAX_RUNS = 25;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Times one matmul, including the read-back that makes an asynchronous backend finish. */
function timeOnce(a: tf.Tensor2D, b: tf.Tensor2D): number {
  const start = performance.now();
  // Nothing is returned from tidy: tidy walks returned typed arrays element by element.
  tf.tidy(() => {
    tf.matMul(a, b).dataSync();
  });
  return performance.now() - start;
}

async function measure(config: Config): Promise<Row> {
  const info = await useBackend(config.backend, { wasmThreads: config.threads });
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false; // no cpu banner in the table
  const gflops: Record<number, number> = {};
  const ms: Record<number, number> = {};
  for (const n of SIZES) {
    const a = tf.randomNormal([n, n], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal([n, n], 0, 1, 'float32', 2) as tf.Tensor2D;
    const warm = timeOnce(a, b);
    if (warm < 200) timeOnce(a, b); // a second warm-up where it is cheap
    const times: number[] = [];
    let spent = 0;
    while (times.length < MIN_RUNS || (spent < BUDGET_MS && times.length < MAX_RUNS)) {
      const t = timeOnce(a, b);
      times.push(t);
      spent += t;
      if (times.length >= 3 && spent > 20 * BUDGET_MS) break; // very slow configs: three runs are enough
    }
    ms[n] = median(times);
    gflops[n] = (2 * n ** 3) / (ms[n] * 1e6);
    tf.dispose([a, b]);
  }
  const label = config.threads != null ? `${info.name} (${config.threads} threads)` : info.name;
  return { label, threads: info.threads, simd: info.simd, gflops, ms };
}

async function configs(): Promise<Config[]> {
  const list: Config[] = [];
  if (await isPackageInstalled('@tensorflow/tfjs-node-gpu')) list.push({ backend: 'tensorflow-gpu' });
  if (await isPackageInstalled('@tensorflow/tfjs-node')) list.push({ backend: 'tensorflow' });
  list.push({ backend: 'wasm' });
  const threads = Math.min(availableParallelism(), 8);
  if (threads > 1) list.push({ backend: 'wasm', threads });
  list.push({ backend: 'cpu' });
  return list;
}

function table(rows: Row[]): string {
  const header = ['backend', 'threads', 'simd', ...SIZES.map((n) => `${n}: GFLOP/s (ms)`)];
  const lines = rows.map((r) => [r.label, String(r.threads), String(r.simd ?? '-'), ...SIZES.map((n) => `${r.gflops[n].toFixed(2)} (${r.ms[n].toFixed(1)})`)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [format(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(format)].join('\n');
}

async function main(): Promise<void> {
  const child = args.indexOf('--child');
  if (child >= 0) {
    const config = JSON.parse(args[child + 1]) as Config;
    console.log(JSON.stringify(await measure(config)));
    return;
  }
  console.log(`matmul n x n by n x n, median of >= ${MIN_RUNS} runs after warm-up; ${cpus()[0]?.model ?? 'cpu'} x ${availableParallelism()}, Node ${process.version}, tfjs ${tf.version_core}`);
  const rows: Row[] = [];
  for (const config of await configs()) {
    const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args, '--child', JSON.stringify(config)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    rows.push(JSON.parse(out.trim().split('\n').pop() as string) as Row);
  }
  console.log(table(rows));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
