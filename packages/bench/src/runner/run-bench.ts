/**
 * A whole bench run: start the backend, resolve the suite, and for each task
 * prepare it (data, cached base), run every applicable method at every shot
 * count over every seed, and collect the results. A method that does not apply,
 * whose package does not load, or that fails on a task is recorded as skipped
 * or failed with the reason; the run goes on.
 */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '@peftjs/core';
import path from 'node:path';
import { BENCH_VERSION, describeEnvironment } from '../environment';
import { registerBuiltinMethods } from '../methods/index';
import { firstLine, loadPackage } from '../methods/load-package';
import { allMethods, selectMethods, selectTasks } from '../registry';
import { RESULTS_SCHEMA_VERSION, type BenchResults, type MethodResult, type TaskRecord } from '../report/results';
import { getSuite } from '../suites';
import { registerBuiltinTasks } from '../tasks/index';
import type { BenchMethod, BenchTask, PreparedTask, Shot, SuiteSize } from '../types';
import { createBenchProgress, type BenchProgress } from './progress';
import { withPairedDifferences } from './compare';
import { runFineTune, type RunResult } from './run-finetune';
import { runMeta, skipped } from './run-meta';

export interface BenchOptions {
  readonly suite?: string;
  readonly tasks?: readonly string[];
  readonly methods?: readonly string[];
  /** Shot counts for every task (default: each task's for the suite's size). */
  readonly shots?: readonly Shot[];
  readonly seeds?: readonly number[];
  readonly backend?: BackendName;
  /** Default `.peftjs-cache` in the working directory. */
  readonly cacheDir?: string;
  /** Overrides the suite's size. */
  readonly size?: SuiteSize;
  readonly progress?: BenchProgress;
  /** Repeats of each latency measurement (default 5). */
  readonly latencyRepeats?: number;
}

export async function runBench(options: BenchOptions = {}): Promise<BenchResults> {
  const startedAt = new Date();
  const started = performance.now();
  registerBuiltinMethods();
  registerBuiltinTasks();
  const suite = getSuite(options.suite ?? 'quick');
  const size = options.size ?? suite.size;
  const tasks = selectTasks(options.tasks ?? suite.tasks);
  const methods = options.methods ? selectMethods(options.methods) : suite.methods ? selectMethods(suite.methods) : allMethods();
  const seeds = options.seeds ?? suite.seeds;
  const progress = options.progress ?? createBenchProgress();
  const cacheDir = path.resolve(options.cacheDir ?? '.peftjs-cache');

  const backend = await useBackend(options.backend ?? 'auto');
  progress.log(`backend ${backend.name} (${backend.device}, simd ${String(backend.simd)}, ${backend.threads} thread${backend.threads === 1 ? '' : 's'}); suite ${suite.name} (${size}); seeds ${seeds.join(', ')}`);

  const taskRecords: TaskRecord[] = [];
  const results: RunResult[] = [];
  for (const task of tasks) {
    const shots = options.shots ?? task.shots[size];
    const { record, runs } = await runTask(task, methods, shots, { seeds, size, cacheDir, backend: backend.name, progress, latencyRepeats: options.latencyRepeats ?? 5 });
    taskRecords.push(record);
    results.push(...runs);
  }
  progress.end();

  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: '@peftjs/bench', version: BENCH_VERSION },
    startedAt: startedAt.toISOString(),
    durationSeconds: (performance.now() - started) / 1000,
    suite: suite.name,
    size,
    seeds: [...seeds],
    environment: describeEnvironment(backend),
    tasks: taskRecords,
    results: withPairedDifferences(withStepRatios(results)),
  };
}

interface TaskRunOptions {
  readonly seeds: readonly number[];
  readonly size: SuiteSize;
  readonly cacheDir: string;
  readonly backend: string;
  readonly progress: BenchProgress;
  readonly latencyRepeats: number;
}

function taskRecord(task: BenchTask, shots: readonly Shot[], fields: Partial<TaskRecord> & Pick<TaskRecord, 'status'>): TaskRecord {
  return { name: task.name, title: task.title, description: task.description, metric: null, shots: [...shots], notes: [], baseScores: null, prepareSeconds: null, extras: {}, ...fields };
}

async function runTask(task: BenchTask, methods: readonly BenchMethod[], shots: readonly Shot[], options: TaskRunOptions): Promise<{ record: TaskRecord; runs: RunResult[] }> {
  const { progress } = options;
  const unavailable = await task.unavailable?.();
  if (unavailable) {
    progress.log(`${task.name}: skipped (${unavailable})`);
    return { record: taskRecord(task, shots, { status: 'skipped', reason: unavailable }), runs: [] };
  }
  progress.log(`${task.name}: preparing (data, pretrained base)`);
  const prepareStart = performance.now();
  let prepared: PreparedTask;
  try {
    prepared = await task.prepare({ size: options.size, cacheDir: options.cacheDir, backend: options.backend, log: (line) => progress.log(line) });
  } catch (error) {
    progress.log(`${task.name}: failed to prepare (${firstLine(error)})`);
    return { record: taskRecord(task, shots, { status: 'failed', reason: `prepare failed: ${firstLine(error)}` }), runs: [] };
  }
  const prepareSeconds = (performance.now() - prepareStart) / 1000;
  const runs: RunResult[] = [];
  const referenceBase = prepared.base();
  referenceBase.eval();
  try {
    const baseForgettingExamples = prepared.forgettingExamples?.(referenceBase);
    // Check applicability and packages first, so progress knows the amount of work.
    const runnable: BenchMethod[] = [];
    for (const method of methods) {
      const reason = await whyNot(method, prepared);
      if (reason === undefined) runnable.push(method);
      else for (const shot of shots) runs.push(skipped(common(method, prepared, shot), reason));
    }
    const fineTune = runnable.filter((m) => m.kind === 'finetune');
    const meta = runnable.filter((m) => m.kind === 'meta');
    progress.plan(fineTune.length * shots.length * options.seeds.length + meta.length * options.seeds.length);
    let seedsDone = 0;
    const runOptions = (label: string) => {
      seedsDone = 0;
      return {
        seeds: options.seeds,
        referenceBase,
        baseForgettingExamples,
        latencyRepeats: options.latencyRepeats,
        onSeed: (seed: number) => {
          seedsDone += 1;
          progress.advance(`${label} seed ${seed}`);
        },
      };
    };
    /** A failed run's remaining seeds count as done, so the bar still reaches its end. */
    const skipRest = (label: string) => {
      for (let i = seedsDone; i < options.seeds.length; i++) progress.advance(`${label} (failed)`);
    };

    for (const shot of shots) {
      for (const method of fineTune) {
        const label = `${task.name} ${method.name} @${shot}`;
        try {
          runs.push(await runFineTune(prepared, method, shot, runOptions(label)));
        } catch (error) {
          progress.log(`${label}: failed (${firstLine(error)})`);
          runs.push(skipped(common(method, prepared, shot), firstLine(error), 'failed'));
          skipRest(label);
        }
      }
    }
    for (const method of meta) {
      const label = `${task.name} ${method.name}`;
      try {
        runs.push(...(await runMeta(prepared, method, shots, runOptions(label))));
      } catch (error) {
        progress.log(`${label}: failed (${firstLine(error)})`);
        for (const shot of shots) runs.push(skipped(common(method, prepared, shot), firstLine(error), 'failed'));
        skipRest(label);
      }
    }
    const extras = prepared.extras ? await safely(() => prepared.extras!({ methods: runnable, seed: options.seeds[0] }), progress, task.name) : {};
    const record = taskRecord(task, shots, {
      status: 'ok',
      metric: prepared.info.metric,
      notes: prepared.notes,
      baseScores: prepared.baseScores ?? null,
      prepareSeconds,
      extras,
    });
    return { record, runs };
  } finally {
    referenceBase.dispose();
    prepared.dispose();
    if (tf.memory().numTensors > 0) progress.log(`${task.name}: ${tf.memory().numTensors} tensors live after the task`);
  }
}

async function safely(fn: () => Promise<Record<string, unknown>>, progress: BenchProgress, name: string): Promise<Record<string, unknown>> {
  try {
    return await fn();
  } catch (error) {
    progress.log(`${name}: extras failed (${firstLine(error)})`);
    return { error: firstLine(error) };
  }
}

function common(method: BenchMethod, prepared: PreparedTask, shot: Shot) {
  return { task: prepared.info.name, method: method.name, title: method.title, group: method.group, kind: method.kind, shot };
}

/** Why a method cannot run on a task (undefined: it can). */
async function whyNot(method: BenchMethod, prepared: PreparedTask): Promise<string | undefined> {
  const applies = method.applies?.(prepared.info) ?? true;
  if (applies !== true) return applies;
  if (method.kind === 'meta' && prepared.meta === undefined) return `the ${prepared.info.name} task has no meta-learning protocol`;
  for (const name of method.packages ?? []) {
    try {
      await loadPackage(name);
    } catch (error) {
      return firstLine(error);
    }
  }
  return undefined;
}

/** Step time over full fine-tuning's on the same task and shot. */
function withStepRatios(results: readonly RunResult[]): Array<Omit<MethodResult, 'versusFull'>> {
  const full = new Map<string, number>();
  for (const r of results) if (r.method === 'full' && r.stepMs !== null) full.set(`${r.task}|${r.shot}`, r.stepMs);
  const firstFull = new Map<string, number>();
  for (const r of results) if (r.method === 'full' && r.stepMs !== null && !firstFull.has(r.task)) firstFull.set(r.task, r.stepMs);
  return results.map((r) => {
    // Meta-steps are compared with the first shot's fine-tuning step (they do not depend on the shot).
    const reference = r.kind === 'meta' ? firstFull.get(r.task) : full.get(`${r.task}|${r.shot}`);
    return { ...r, stepTimeRatio: r.stepMs !== null && reference !== undefined ? r.stepMs / reference : null };
  });
}
