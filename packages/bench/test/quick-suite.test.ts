/**
 * The quick suite end to end at a reduced size (suite 'test': the same tasks,
 * methods and protocol, shrunk), its reports, the schema, and determinism.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RESULTS_SCHEMA, runBench, validate, writeReport, resultsTable, type BenchResults } from '../src/index';
import { recordingProgress, temporaryFolder } from './helpers';

const cacheDir = temporaryFolder('cache');
let results: BenchResults;

beforeAll(async () => {
  results = await runBench({ suite: 'test', backend: 'wasm', cacheDir, progress: recordingProgress(), latencyRepeats: 2 });
}, 240_000);

test('every task of the suite is reported, and fashion-mnist (not installed here) is skipped with a note', () => {
  expect(results.tasks.map((t) => t.name)).toEqual(['sinusoid', 'mnist-mlp', 'fashion-mnist', 'text', 'text-spam', 'mobilenet']);
  const fashion = results.tasks.find((t) => t.name === 'fashion-mnist')!;
  if (fashion.status === 'skipped') expect(fashion.reason).toMatch(/Fashion-MNIST is not installed/);
  for (const task of results.tasks.filter((t) => t.name !== 'fashion-mnist')) expect(task.status).toBe('ok');
});

test('the methods that apply ran, and the others are skipped with a reason', () => {
  const run = (task: string, method: string) => results.results.filter((r) => r.task === task && r.method === method);
  for (const method of ['full', 'head', 'lora-r1', 'lora-r4', 'lora-r8', 'dora', 'ia3', 'houlsby', 'pfeiffer', 'parallel', 'maml', 'fomaml', 'anil', 'maml-lora']) {
    for (const r of run('mnist-mlp', method)) {
      expect(r.status).toBe('ok');
      expect(r.quality!.mean).toBeGreaterThanOrEqual(0);
      expect(r.quality!.mean).toBeLessThanOrEqual(1);
      expect(r.trainableParameters).toBeGreaterThan(0);
      expect(r.adapterBytes).toBeGreaterThan(0);
      expect(r.peakTensorBytes).toBeGreaterThan(0);
      expect(r.stepTimeRatio).toBeGreaterThan(0);
    }
  }
  for (const r of run('mnist-mlp', 'prompt')) {
    expect(r.status).toBe('skipped');
    expect(r.reason).toMatch(/needs a transformer/);
  }
  const full = run('mnist-mlp', 'full')[0];
  const lora = run('mnist-mlp', 'lora-r4')[0];
  expect(lora.trainableParameters!).toBeLessThan(full.trainableParameters! / 10);
  expect(lora.optimizerStateBytes!).toBeLessThan(full.optimizerStateBytes!);
  expect(lora.adapterBytes!).toBeLessThan(full.adapterBytes!);
  expect(full.forgetting).not.toBeNull();
  // Sinusoids: one seed here, its evaluation tasks are the units (each seed draws its own).
  const maml = run('sinusoid', 'maml')[0];
  expect(maml.quality!.n).toBe(1);
  expect(maml.quality!.units).toBeGreaterThan(1);
  expect(maml.scores!.quality!.design).toBe('nested');
  expect(maml.quality!.low!).toBeLessThanOrEqual(maml.quality!.mean);
  // The parallel adapter reads a hidden layer, not the 1-wide input (where it would have no hidden units).
  expect(run('sinusoid', 'parallel')[0].status).toBe('ok');
});

test('MNIST keeps per-example correctness, and every method is compared with full fine-tuning example by example', () => {
  const at = (method: string) => results.results.find((r) => r.task === 'mnist-mlp' && r.method === method && r.shot === 1)!;
  const full = at('full');
  const lora = at('lora-r4');
  const quality = lora.scores!.quality!;
  expect(quality.design).toBe('crossed');
  expect(quality.values[0].length).toBe(200);
  expect(quality.values[0].every((v) => v === 0 || v === 1)).toBe(true);
  // The summary is the mean of the kept scores.
  expect(lora.quality!.mean).toBeCloseTo(quality.values[0].reduce((a, b) => a + b, 0) / 200, 12);
  // Per-example forgetting: base correct minus adapted correct, so -1, 0 or 1.
  expect(lora.scores!.forgetting!.values[0].every((v) => v === -1 || v === 0 || v === 1)).toBe(true);
  expect(full.versusFull).toBeNull();
  const difference = lora.versusFull!.quality!;
  expect(difference.mean).toBeCloseTo(lora.quality!.mean - full.quality!.mean, 12);
  expect(difference.low!).toBeLessThanOrEqual(difference.mean);
  expect(difference.distinguishable).toBe(difference.low! > 0 || difference.high! < 0);
  expect(lora.versusFull!.forgetting!.mean).toBeCloseTo(lora.forgetting!.mean - full.forgetting!.mean, 12);
  // Meta-learners are scored on the same test images, so they are paired too.
  expect(at('maml').versusFull!.quality).not.toBeNull();
});

test('text: prompt methods run on the transformer, and two LoRA adapters serve one mixed batch as separate passes would', () => {
  for (const task of ['text', 'text-spam']) {
    const text = results.results.filter((r) => r.task === task);
    for (const method of ['full', 'lora-r4', 'prompt', 'prefix', 'p-tuning', 'lora+prompt']) expect(text.find((r) => r.method === method)?.status).toBe('ok');
  }
  const serving = results.tasks.find((t) => t.name === 'text-spam')!.extras.mixedBatchServing as { maxAbsDifferenceToSeparatePasses: number; rows: number };
  expect(serving.rows).toBeGreaterThan(2);
  expect(serving.maxAbsDifferenceToSeparatePasses).toBeLessThan(1e-4);
});

test("mobilenet: nsfwjs' MobileNetV2 from tfjs-layers takes LoRA on its dense layers and a new head", () => {
  const task = results.tasks.find((t) => t.name === 'mobilenet')!;
  expect(task.status).toBe('ok');
  const lora = results.results.find((r) => r.task === 'mobilenet' && r.method === 'lora-r4')!;
  expect(lora.status).toBe('ok');
  expect(lora.trainableShare!).toBeLessThan(0.01);
  expect(lora.totalParameters!).toBeGreaterThan(2_000_000);
});

test('the results validate against the schema, and the reports are written', () => {
  const json = JSON.parse(JSON.stringify(results)) as unknown;
  expect(validate(json, RESULTS_SCHEMA)).toEqual([]);
  const out = temporaryFolder('out');
  const written = writeReport(results, out);
  expect(written.errors).toEqual([]);
  for (const file of ['results.json', 'results.schema.json', 'report.md', 'charts/mnist-mlp-quality-vs-parameters.svg', 'charts/mnist-mlp-quality-vs-shots.svg', 'charts/mnist-mlp-step-time.svg', 'charts/mnist-mlp-memory.svg', 'charts/mnist-mlp-forgetting-vs-quality.svg', 'report.html']) {
    expect(existsSync(path.join(out, file))).toBe(true);
  }
  const svg = readFileSync(path.join(out, 'charts/mnist-mlp-quality-vs-parameters.svg'), 'utf8');
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.trim().endsWith('</svg>')).toBe(true);
  const report = readFileSync(path.join(out, 'report.md'), 'utf8');
  expect(report).toContain('## MNIST 0-4 -> 5-9 (MLP)');
  expect(report).toContain('![');
  expect(resultsTable(results)).toContain('LoRA r=4');
});

test('a broken result is caught by the validator, with its path', () => {
  const json = JSON.parse(JSON.stringify(results)) as { results: Array<Record<string, unknown>> };
  json.results[0].trainableShare = 2;
  delete json.results[1].quality;
  const errors = validate(json, RESULTS_SCHEMA);
  expect(errors.map((e) => e.path)).toEqual(expect.arrayContaining(['$.results[0].trainableShare', '$.results[1]']));
});

test('the same seed gives the same numbers on the same backend (the second run reads the cached base)', async () => {
  const again = await runBench({ suite: 'test', tasks: ['sinusoid', 'mnist-mlp'], methods: ['full', 'lora-r4', 'ia3', 'maml'], backend: 'wasm', cacheDir, progress: recordingProgress(), latencyRepeats: 1 });
  for (const r of again.results.filter((x) => x.status === 'ok')) {
    const first = results.results.find((x) => x.task === r.task && x.method === r.method && x.shot === r.shot)!;
    expect(r.quality!.values).toEqual(first.quality!.values);
    expect(r.forgetting?.values).toEqual(first.forgetting?.values);
    expect(r.trainableParameters).toBe(first.trainableParameters);
    expect(r.adapterBytes).toBe(first.adapterBytes);
  }
  for (const task of again.tasks) expect(task.notes.join(' ')).toMatch(/read from the cache/);
}, 60_000);
