/** Registering your own method and task, unknown names, and skips instead of crashes. */
import * as tf from '@tensorflow/tfjs-core';
import { Linear, markOnlyTrainable } from '@peftjs/core';
import {
  UnknownNameError,
  main,
  registerMethod,
  registerTask,
  runBench,
  unregisterMethod,
  unregisterTask,
  type BenchTask,
  type FineTuneMethod,
} from '../src/index';
import { recordingProgress, temporaryFolder } from './helpers';

/** A linear regression task: y = 3x - 1 from a few points, base pretrained elsewhere (here: zero weights). */
const lineTask: BenchTask = {
  name: 'line',
  title: 'A line',
  description: 'y = 3x - 1 from K points',
  shots: { test: [4], quick: [4], full: [4, 16] },
  async prepare() {
    const points = (n: number, seed: number) => {
      const x = tf.tensor2d(Array.from({ length: n }, (_, i) => ((i * 37 + seed * 11) % 20) / 10 - 1), [n, 1]);
      return { x, y: tf.tidy(() => tf.sub(tf.mul(x, 3), 1)) };
    };
    const query = points(20, 99);
    return {
      info: { name: 'line', architecture: 'linear', transformer: false, linearTargets: ['0'], feedForwardTargets: [], headPath: '0', meta: false, metric: { name: 'mse', higherIsBetter: false } },
      notes: ['a toy task registered by a test'],
      base: () => new (class extends Linear {})(1, 1) as never,
      episodes: (shot, seed) => {
        const batch = points(shot === 'all' ? 20 : shot, seed);
        return [{ train: [batch], evaluation: query, examples: batch.x.shape[0], dispose: () => tf.dispose([batch.x, batch.y]) }];
      },
      loss: (model, batch) => tf.tidy(() => tf.losses.meanSquaredError((batch as { y: tf.Tensor }).y, model.call((batch as { x: tf.Tensor }).x)) as tf.Scalar),
      evaluate: (model) => tf.tidy(() => tf.losses.meanSquaredError(query.y, model.call(query.x)).dataSync()[0]),
      steps: () => 50,
      learningRate: 0.1,
      latencyInput: () => query.x,
      dispose: () => tf.dispose([query.x, query.y]),
    };
  },
};

/** A method of one's own: train only the bias. */
const biasOnly: FineTuneMethod = {
  kind: 'finetune',
  name: 'bias-only',
  title: 'Bias only',
  group: 'mine',
  build(base) {
    markOnlyTrainable(base, 'bias');
    return { model: base };
  },
};

afterEach(() => {
  unregisterTask('line');
  unregisterMethod('bias-only');
  unregisterMethod('needs-missing');
  unregisterTask('needs-data');
});

test('a registered task and method run beside the built-in ones', async () => {
  registerTask(lineTask);
  registerMethod(biasOnly);
  const results = await runBench({ suite: 'test', tasks: ['line'], methods: ['full', 'bias-only', 'lora-r1', 'prompt'], backend: 'wasm', cacheDir: temporaryFolder('cache'), progress: recordingProgress(), latencyRepeats: 1 });
  const byMethod = Object.fromEntries(results.results.map((r) => [r.method, r]));
  expect(byMethod.full.status).toBe('ok');
  expect(byMethod.full.quality!.mean).toBeLessThan(0.05);
  expect(byMethod['bias-only'].status).toBe('ok');
  expect(byMethod['bias-only'].trainableParameters).toBe(1);
  expect(byMethod.prompt.status).toBe('skipped');
  expect(tf.memory().numTensors).toBe(0);
});

test('unknown task or method names list what exists', async () => {
  await expect(runBench({ tasks: ['nope'], progress: recordingProgress() })).rejects.toThrow(UnknownNameError);
  await expect(runBench({ tasks: ['nope'], progress: recordingProgress() })).rejects.toThrow(/known tasks: sinusoid, mnist-mlp/);
  const stderr: string[] = [];
  const code = await main(['--methods', 'lora-r4,lorra'], { stdout: () => undefined, stderr: (t) => void stderr.push(t) });
  expect(code).toBe(2);
  expect(stderr.join('')).toMatch(/unknown method 'lorra'; known methods: full, head, lora-r1/);
  expect(await main(['--suite', 'huge'], { stdout: () => undefined, stderr: (t) => void stderr.push(t) })).toBe(2);
  expect(stderr.join('')).toMatch(/unknown suite 'huge'; known suites: quick, full, test/);
});

test('a method whose package does not load, and a task whose data is missing, are skipped with the reason', async () => {
  registerTask(lineTask);
  registerMethod({ ...biasOnly, name: 'needs-missing', packages: ['@peftjs/not-written-yet'] });
  registerTask({ ...lineTask, name: 'needs-data', unavailable: () => 'the optional data set is not installed' });
  const results = await runBench({ suite: 'test', tasks: ['line', 'needs-data'], methods: ['needs-missing', 'full'], backend: 'wasm', cacheDir: temporaryFolder('cache'), progress: recordingProgress(), latencyRepeats: 1 });
  const missing = results.results.find((r) => r.method === 'needs-missing')!;
  expect(missing.status).toBe('skipped');
  expect(missing.reason).toMatch(/@peftjs\/not-written-yet did not load/);
  const task = results.tasks.find((t) => t.name === 'needs-data')!;
  expect(task.status).toBe('skipped');
  expect(task.reason).toBe('the optional data set is not installed');
});

test('--help explains the flags and lists tasks and methods', async () => {
  const out: string[] = [];
  expect(await main(['--help'], { stdout: (t) => void out.push(t), stderr: () => undefined })).toBe(0);
  const help = out.join('');
  for (const flag of ['--suite', '--tasks', '--methods', '--shots', '--seeds', '--backend', '--out', '--cache']) expect(help).toContain(flag);
  expect(help).toMatch(/Methods: .*maml-lora/);
});
