/** A small, hand-made run (no training): two accuracy tasks whose names share a prefix, three methods, per-example scores. */
import { Generator } from '@peftjs/core';
import type { ScoreSet } from '../src/runner/bootstrap';
import { withPairedDifferences } from '../src/runner/compare';
import { summarizeScores } from '../src/runner/stats';
import { RESULTS_SCHEMA_VERSION, type BenchResults, type MethodResult, type TaskRecord } from '../src/index';

const SEEDS = [0, 1, 2];
const EXAMPLES = 300;

/** Correctness per seed and example: an example is right with probability `p` plus its shared difficulty; `rng` adds method noise. */
function correctness(rng: Generator, difficulty: readonly number[], p: number, flip: number): ScoreSet {
  const values = SEEDS.map(() => difficulty.map((d) => (rng.uniform() < flip ? (rng.uniform() < 0.5 ? 1 : 0) : d < p ? 1 : 0)));
  return { seeds: SEEDS, design: 'crossed', values };
}

function result(task: string, method: string, title: string, shot: number, quality: ScoreSet, forgetting: ScoreSet): Omit<MethodResult, 'versusFull'> {
  return {
    task, method, title, group: method === 'lora' ? 'lora' : 'baseline', kind: 'finetune', shot, status: 'ok',
    quality: summarizeScores(quality), trainableParameters: method === 'full' ? 100_000 : 2_000, totalParameters: 100_000, trainableShare: method === 'full' ? 1 : 0.02,
    optimizerStateBytes: 8_000, peakTensorBytes: 50_000, stepMs: 2, stepTimeRatio: 1, inferenceMs: 1, latencyRatio: 1, latencyMergedRatio: null, adapterBytes: 4_000,
    forgetting: summarizeScores(forgetting), trainSeconds: 1, scores: { quality, forgetting },
  };
}

function taskRecord(name: string): TaskRecord {
  return {
    name, title: `Task ${name}`, description: `synthetic ${name}`, status: 'ok', metric: { name: 'accuracy', higherIsBetter: true }, shots: [1, 10],
    notes: ['a note'], baseScores: { forgetting: 0.9, target: 0.2 }, prepareSeconds: 1, extras: {},
  };
}

/**
 * full: 70% right; lora: the very same predictions as full (not distinguishable);
 * head: 45% right (clearly worse). Forgetting: full forgets 20 points, lora and head none.
 */
export function syntheticResults(): BenchResults {
  const rng = new Generator(3);
  const results: Array<Omit<MethodResult, 'versusFull'>> = [];
  for (const task of ['text', 'text-spam']) {
    const difficulty = Array.from({ length: EXAMPLES }, () => rng.uniform());
    const oldDifficulty = Array.from({ length: EXAMPLES }, () => rng.uniform());
    const noForgetting: ScoreSet = { seeds: SEEDS, design: 'crossed', values: SEEDS.map(() => oldDifficulty.map(() => 0)) };
    const fullForgetting: ScoreSet = { seeds: SEEDS, design: 'crossed', values: SEEDS.map(() => oldDifficulty.map((_, i) => (i % 5 === 0 ? 1 : 0))) };
    for (const shot of [1, 10]) {
      const full = correctness(rng, difficulty, 0.7, 0.05);
      results.push(result(task, 'full', 'Full fine-tuning', shot, full, fullForgetting));
      results.push(result(task, 'head', 'Head only', shot, correctness(rng, difficulty, 0.45, 0.05), noForgetting));
      results.push(result(task, 'lora', 'LoRA r=4', shot, { ...full, values: full.values.map((row) => [...row]) }, fullForgetting));
    }
  }
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: '@peftjs/bench', version: '0.0.0' },
    startedAt: '2026-01-01T00:00:00.000Z',
    durationSeconds: 12,
    suite: 'quick',
    size: 'quick',
    seeds: SEEDS,
    environment: {
      backend: { name: 'wasm', tfjsBackend: 'wasm', device: 'cpu', simd: true, threads: 2 },
      versions: { node: '20.0.0' },
      hardware: { platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'test cpu', memoryBytes: 1024, loadAverage: [0.5] },
    },
    tasks: [taskRecord('text'), taskRecord('text-spam')],
    results: withPairedDifferences(results),
  };
}
