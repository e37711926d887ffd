/**
 * Reproduces the sinusoid regression of Finn et al. 2017 (§5.1, Fig. 2):
 * MLP 1-40-40-1 with ReLU, K = 10 during meta-training, one inner step with
 * α = 0.01, Adam with β = 1e-3, meta-batch 25. Evaluates on 600 new tasks at
 * K = 5 and K = 10 after 1, 5 and 10 steps (95% intervals), for MAML,
 * first-order MAML, Meta-SGD, ANIL and the pretrained baseline (and MAML over
 * LoRA when @peftjs/lora exists), and times a second-order meta-step against a
 * first-order one in the same run.
 *
 *   cd packages/meta-learning && npx tsx bench/sinusoid.ts [--iterations 1000] [--quick]
 *     [--backend cpu|wasm] [--meta-lr 1e-3] [--eval-tasks 600] [--query 100] [--methods maml,fomaml,...] [--json out.json]
 *
 * The paper meta-trained for 70,000 iterations; see --iterations.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Activation, Adam, Linear, Sequential, getPeftModel, manualSeed, type Module } from '@peftjs/core';
import {
  ANIL,
  FirstOrderMAML,
  MAML,
  MetaSGD,
  SinusoidTaskSampler,
  disposeTask,
  evaluateAdaptation,
  metaGradients,
  metaTrain,
  mseLoss,
  pretrainOnTasks,
  type AdaptationCurve,
  type MetaLearner,
  type SinusoidTask,
} from '../src/index';

const PAPER_K5: Record<string, readonly number[]> = { MAML: [0.67, 0.38, 0.35], pretrained: [2.41, 2.23, 2.19] };
const STEPS = [1, 5, 10] as const;
const ALPHA = 0.01;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const flag = (name: string) => process.argv.includes(`--${name}`);
const log = (line: string) => process.stderr.write(`${line}\n`);

function sinusoidMlp(): Sequential {
  manualSeed(0); // every method starts from the same initial weights
  return new Sequential(new Linear(1, 40), new Activation('relu'), new Linear(40, 40), new Activation('relu'), new Linear(40, 1));
}

interface MethodResult {
  readonly name: string;
  readonly secondsTraining: number;
  readonly msPerStep: number;
  readonly finalMetaLoss: number;
  readonly curves: Record<string, AdaptationCurve>;
}

function timed<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const value = fn();
  return [value, (performance.now() - start) / 1000];
}

function progress(name: string, iterations: number) {
  const every = Math.max(1, Math.floor(iterations / 10));
  let recent: number[] = [];
  return ({ iteration, loss }: { iteration: number; loss: number }) => {
    recent.push(loss);
    if (iteration % every === 0 || iteration === iterations) {
      log(`  ${name} ${iteration}/${iterations}  meta-loss (mean of last ${recent.length}) ${(recent.reduce((a, b) => a + b, 0) / recent.length).toFixed(3)}`);
      recent = [];
    }
  };
}

/** Registers the LoRA method if @peftjs/lora exists yet (a colleague is writing it); false otherwise. */
function loraIfAvailable(): boolean {
  if (!existsSync(path.resolve(__dirname, '../../lora/src/index.ts'))) {
    log('MAML over LoRA: skipped (packages/lora/src/index.ts is not there yet)');
    return false;
  }
  try {
    // require, not import(): this bench runs as CommonJS (see bench/package.json), and a
    // variable specifier keeps @peftjs/lora out of this package's dependencies.
    const specifier = '@peftjs/lora';
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    require(specifier);
    return true;
  } catch (error) {
    log(`MAML over LoRA: skipped (@peftjs/lora did not load: ${(error as Error).message})`);
    return false;
  }
}

async function main(): Promise<void> {
  const quick = flag('quick');
  const iterations = Number(option('iterations', quick ? '60' : '1000'));
  const evalTasks = Number(option('eval-tasks', quick ? '50' : '600'));
  const querySize = Number(option('query', '100'));
  const backend = option('backend', 'cpu');
  const methods = option('methods', 'maml,fomaml,metasgd,anil,pretrained,lora').split(',');
  const metaLearningRate = Number(option('meta-lr', '1e-3'));
  await tf.setBackend(backend);
  await tf.ready();
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  log(`sinusoid bench: backend ${backend}, ${iterations} meta-iterations (paper: 70,000), meta-batch 25, K=10, alpha ${ALPHA}, Adam ${metaLearningRate}, ${evalTasks} evaluation tasks`);

  // The same evaluation tasks for every method: K support points, `querySize` query points.
  const evaluation: Record<string, SinusoidTask[]> = {
    'K=5': new SinusoidTaskSampler({ shots: 5, queryShots: querySize, seed: 1005 }).sampleMany(evalTasks),
    'K=10': new SinusoidTaskSampler({ shots: 10, queryShots: querySize, seed: 1010 }).sampleMany(evalTasks),
  };
  const evaluate = (model: Module, paths: readonly string[], learningRate: MetaLearner['innerLearningRate']) =>
    Object.fromEntries(Object.entries(evaluation).map(([k, tasks]) => [k, evaluateAdaptation(model, tasks, { loss: mseLoss, paths, learningRate, steps: STEPS })]));

  const results: MethodResult[] = [];
  const learners: Array<[string, string, (m: Module) => MetaLearner]> = [
    ['maml', 'MAML', (m) => new MAML(m, { loss: mseLoss, innerLearningRate: ALPHA, metaLearningRate })],
    ['fomaml', 'first-order MAML', (m) => new FirstOrderMAML(m, { loss: mseLoss, innerLearningRate: ALPHA, metaLearningRate })],
    ['metasgd', 'Meta-SGD', (m) => new MetaSGD(m, { loss: mseLoss, innerLearningRate: ALPHA, metaLearningRate })],
    ['anil', 'ANIL', (m) => new ANIL(m, { loss: mseLoss, head: '4', innerLearningRate: ALPHA, metaLearningRate })],
  ];
  for (const [key, name, make] of learners) {
    if (!methods.includes(key)) continue;
    const model = sinusoidMlp();
    const learner = make(model);
    const sampler = new SinusoidTaskSampler({ shots: 10, seed: 1 });
    log(`${name}: meta-training`);
    const [losses, seconds] = timed(() => metaTrain(learner, sampler, { iterations, metaBatchSize: 25, onStep: progress(name, iterations) }));
    const tail = losses.slice(-Math.max(1, Math.floor(iterations / 20)));
    results.push({
      name,
      secondsTraining: seconds,
      msPerStep: (1000 * seconds) / iterations,
      finalMetaLoss: tail.reduce((a, b) => a + b, 0) / tail.length,
      curves: evaluate(model, learner.innerPaths, learner.innerLearningRate),
    });
    learner.dispose();
    model.dispose();
  }

  let pretrained: Sequential | undefined;
  if (methods.includes('pretrained') || methods.includes('lora')) {
    pretrained = sinusoidMlp();
    const sampler = new SinusoidTaskSampler({ shots: 10, seed: 1 });
    log('pretrained: training on the pooled examples of the same tasks');
    const every = progress('pretrained', iterations);
    const optimizer = new Adam({ learningRate: metaLearningRate });
    const [losses, seconds] = timed(() => pretrainOnTasks(pretrained!, sampler, { loss: mseLoss, iterations, tasksPerBatch: 25, optimizer }));
    optimizer.dispose();
    losses.forEach((loss, i) => every({ iteration: i + 1, loss }));
    const tail = losses.slice(-Math.max(1, Math.floor(iterations / 20)));
    if (methods.includes('pretrained')) {
      const paths = pretrained.namedParameters().map(([p]) => p);
      results.push({ name: 'pretrained, fine-tuned', secondsTraining: seconds, msPerStep: (1000 * seconds) / iterations, finalMetaLoss: tail.reduce((a, b) => a + b, 0) / tail.length, curves: evaluate(pretrained, paths, ALPHA) });
    }
  }

  if (methods.includes('lora') && pretrained && loraIfAvailable()) {
    // φ meta-learned on the frozen pretrained base: MAML over the PEFT parameters alone.
    const model = getPeftModel(pretrained, { peft_type: 'LORA', r: 4, lora_alpha: 8, target_modules: ['0', '2', '4'] }) as unknown as Module;
    const learner = new MAML(model, { loss: mseLoss, innerLearningRate: ALPHA, metaLearningRate });
    const sampler = new SinusoidTaskSampler({ shots: 10, seed: 1 });
    log(`MAML over LoRA (${learner.innerPaths.length} tensors): meta-training`);
    const [losses, seconds] = timed(() => metaTrain(learner, sampler, { iterations, metaBatchSize: 25, onStep: progress('MAML over LoRA', iterations) }));
    const tail = losses.slice(-Math.max(1, Math.floor(iterations / 20)));
    results.push({ name: 'MAML over LoRA (r=4)', secondsTraining: seconds, msPerStep: (1000 * seconds) / iterations, finalMetaLoss: tail.reduce((a, b) => a + b, 0) / tail.length, curves: evaluate(model, learner.innerPaths, learner.innerLearningRate) });
    learner.dispose();
  }
  pretrained?.dispose();

  const ratio = secondOrderOverFirstOrder(quick ? 5 : 30);
  for (const tasks of Object.values(evaluation)) tasks.forEach(disposeTask);
  report(results, ratio, { iterations, evalTasks, querySize, backend });
  const json = option('json', '');
  if (json) writeFileSync(json, JSON.stringify({ iterations, evalTasks, querySize, backend, ratio, results }, null, 2));
}

/**
 * Median time of a second-order meta-gradient over a first-order one, on the
 * same parameters and meta-batch, interleaved so machine noise hits both alike.
 */
function secondOrderOverFirstOrder(rounds: number): { ratio: number; secondOrderMs: number; firstOrderMs: number } {
  const model = sinusoidMlp();
  const tasks = new SinusoidTaskSampler({ shots: 10, seed: 7 }).sampleMany(25);
  const parameters = new Map(model.namedParameters().map(([p, parameter]) => [p, parameter.variable as tf.Tensor]));
  const time = (firstOrder: boolean) => {
    const start = performance.now();
    const result = metaGradients(model, parameters, tasks, { loss: mseLoss, innerPaths: [...parameters.keys()], innerSteps: 1, innerLearningRate: ALPHA, firstOrder });
    const ms = performance.now() - start;
    tf.dispose([...result.parameters.values()]);
    return ms;
  };
  time(false);
  time(true);
  const second: number[] = [];
  const first: number[] = [];
  for (let i = 0; i < rounds; i++) {
    second.push(time(false));
    first.push(time(true));
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  tasks.forEach(disposeTask);
  model.dispose();
  return { ratio: median(second) / median(first), secondOrderMs: median(second), firstOrderMs: median(first) };
}

function report(results: MethodResult[], timing: ReturnType<typeof secondOrderOverFirstOrder>, run: { iterations: number; evalTasks: number; querySize: number; backend: string }): void {
  // Meta-SGD's rates are learned for one step; applied for more they can diverge.
  const cell = (c: { mean: number; ci95: number }) => (Number.isFinite(c.mean) && c.mean < 1e3 ? `${c.mean.toFixed(2)} ± ${c.ci95.toFixed(2)}` : 'diverges');
  const lines = [
    `## Sinusoid regression (Finn et al. 2017), ${run.iterations} meta-iterations (paper: 70,000), backend ${run.backend}`,
    '',
    `Mean squared error on ${run.evalTasks} new tasks (${run.querySize} query points each) after 1 / 5 / 10 gradient steps (α = ${ALPHA}) from K examples; ± is the 95% interval.`,
    '',
    '| method | K=5: 1 step | 5 steps | 10 steps | K=10: 1 step | 5 steps | 10 steps | paper K=5 (1/5/10) | training s (ms/step) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    const paper = r.name === 'MAML' ? PAPER_K5.MAML : r.name.startsWith('pretrained') ? PAPER_K5.pretrained : undefined;
    const curves = ['K=5', 'K=10'].flatMap((k) => r.curves[k].map(cell));
    lines.push(`| ${r.name} | ${curves.join(' | ')} | ${paper ? paper.join(' / ') : '-'} | ${r.secondsTraining.toFixed(0)} (${r.msPerStep.toFixed(0)}) |`);
  }
  lines.push(
    '',
    `Second-order over first-order meta-gradient time (meta-batch 25, one inner step, median of interleaved runs): ` +
      `${timing.ratio.toFixed(2)}x (${timing.secondOrderMs.toFixed(0)} ms vs ${timing.firstOrderMs.toFixed(0)} ms)`,
  );
  console.log(lines.join('\n'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
