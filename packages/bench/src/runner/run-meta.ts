/**
 * One meta-learner on one task: per seed, meta-train from the task's meta model
 * on its source distribution, then adapt to the evaluation episodes of every
 * shot count with plain gradient steps and score. Costs are those of
 * meta-training (one meta-step, its peak memory, the meta-optimiser's state)
 * and of the adapted parameters (what a task stores).
 */
import * as tf from '@tensorflow/tfjs-core';
import { countParameters, manualSeed } from '@peftjs/core';
import type { MethodResult } from '../report/results';
import type { AnyModel, MetaMethod, PreparedTask, Shot } from '../types';
import { inferenceOf, safetensorsBytes, timeAgainst } from './measure';
import { MemoryWatermark } from './memory';
import type { ScoreSet } from './bootstrap';
import type { RunOptions, RunResult } from './run-finetune';
import { runSeed } from './run-finetune';
import { median, summarizeScores } from './stats';

interface SeedCosts {
  trainable: number;
  total: number;
  optimizerStateBytes: number;
  peakTensorBytes: number;
  stepMs: number;
  inferenceMs: number | null;
  latencyRatio: number | null;
  adapterBytes: number | null;
}

export async function runMeta(prepared: PreparedTask, method: MetaMethod, shots: readonly Shot[], options: RunOptions): Promise<RunResult[]> {
  const protocol = prepared.meta!;
  // Per shot, per seed: one score per evaluation example (scoreExamples) or per episode.
  const qualities = new Map<Shot, number[][]>(shots.map((s) => [s, []]));
  let costs: SeedCosts | undefined;
  let trainSeconds = 0;
  const runnable = shots.filter((shot) => protocol.unsupportedShot?.(shot) === undefined);

  for (const seed of options.seeds) {
    manualSeed(runSeed(seed, 0));
    const watermark = new MemoryWatermark();
    const initial = protocol.model();
    const { learner, model } = await method.createLearner(initial, protocol.options, { task: prepared.info, seed });
    try {
      const sampler = protocol.sampler(seed);
      const stepTimes: number[] = [];
      const started = performance.now();
      for (let iteration = 0; iteration < protocol.iterations; iteration++) {
        const tasks = Array.from({ length: protocol.metaBatchSize }, () => sampler.sample());
        const stepStart = performance.now();
        try {
          const { loss } = learner.metaStep(tasks);
          if (!Number.isFinite(loss)) throw new Error(`meta-loss is ${loss} at meta-step ${iteration + 1}`);
        } finally {
          tf.dispose(tasks.map((t) => [t.support.inputs, t.support.targets, t.query.inputs, t.query.targets]));
        }
        stepTimes.push(performance.now() - stepStart);
      }
      trainSeconds += (performance.now() - started) / 1000;
      const { peakBytes } = watermark.stop();

      const named = new Map(model.namedParameters());
      const size = (paths: readonly string[]) => paths.reduce((sum, path) => sum + (named.get(path)?.size ?? 0), 0);
      const seedCosts: SeedCosts = {
        trainable: size(learner.innerPaths),
        total: countParameters(model).total,
        optimizerStateBytes: size(learner.metaPaths) * 4 * 2,
        peakTensorBytes: peakBytes - watermark.startBytes,
        stepMs: median(stepTimes.slice(1).length > 0 ? stepTimes.slice(1) : stepTimes),
        inferenceMs: null,
        latencyRatio: null,
        adapterBytes: null,
      };

      for (const shot of runnable) {
        const episodes = protocol.episodes(shot, seed);
        const seedScores: number[] = [];
        qualities.get(shot)!.push(seedScores);
        try {
          for (const episode of episodes) {
            const adapted = learner.adapt(episode.support, protocol.adaptSteps);
            try {
              const predict = (x: tf.Tensor) => adapted.call(x);
              if (protocol.scoreExamples) seedScores.push(...protocol.scoreExamples(predict, episode.evaluation));
              else seedScores.push(protocol.score(predict, episode.evaluation));
              if (costs === undefined && seedCosts.adapterBytes === null) {
                seedCosts.adapterBytes = safetensorsBytes(Object.fromEntries(adapted.parameters));
                const input = prepared.latencyInput();
                const forward = () => tf.tidy(() => adapted.call(input as tf.Tensor));
                const timing = timeAgainst(forward, inferenceOf(prepared, options.referenceBase, input), options.latencyRepeats);
                seedCosts.inferenceMs = timing.ms;
                seedCosts.latencyRatio = timing.ms / timing.referenceMs;
              }
            } finally {
              adapted.dispose();
            }
          }
        } finally {
          for (const episode of episodes) episode.dispose();
        }
      }
      costs ??= seedCosts;
    } finally {
      watermark.stop();
      learner.dispose();
      const inModel = new Set(model.parameters());
      (model as AnyModel).dispose();
      if (!initial.parameters().every((p) => inModel.has(p))) initial.dispose();
    }
    options.onSeed?.(seed);
  }

  return shots.map((shot) => {
    const unsupported = protocol.unsupportedShot?.(shot);
    const common = { task: prepared.info.name, method: method.name, title: method.title, group: method.group, kind: 'meta' as const, shot };
    if (unsupported !== undefined) return skipped(common, unsupported);
    const quality: ScoreSet = { seeds: [...options.seeds], design: protocol.scoreExamples ? 'crossed' : 'nested', values: qualities.get(shot)! };
    return {
      ...common,
      status: 'ok' as const,
      quality: summarizeScores(quality),
      trainableParameters: costs?.trainable ?? null,
      totalParameters: costs?.total ?? null,
      trainableShare: costs ? costs.trainable / costs.total : null,
      optimizerStateBytes: costs?.optimizerStateBytes ?? null,
      peakTensorBytes: costs?.peakTensorBytes ?? null,
      stepMs: costs?.stepMs ?? null,
      inferenceMs: costs?.inferenceMs ?? null,
      latencyRatio: costs?.latencyRatio ?? null,
      latencyMergedRatio: null,
      adapterBytes: costs?.adapterBytes ?? null,
      forgetting: null,
      trainSeconds,
      scores: { quality, forgetting: null },
      notes: [`meta-trained for ${protocol.iterations} meta-steps of ${protocol.metaBatchSize} tasks per seed; adapted with ${protocol.adaptSteps} SGD steps of ${protocol.options.innerLearningRate}`],
    };
  });
}

export function skipped(
  common: Pick<MethodResult, 'task' | 'method' | 'title' | 'group' | 'kind' | 'shot'>,
  reason: string,
  status: 'skipped' | 'failed' = 'skipped',
): RunResult {
  return {
    ...common,
    status,
    reason,
    quality: null,
    trainableParameters: null,
    totalParameters: null,
    trainableShare: null,
    optimizerStateBytes: null,
    peakTensorBytes: null,
    stepMs: null,
    inferenceMs: null,
    latencyRatio: null,
    latencyMergedRatio: null,
    adapterBytes: null,
    forgetting: null,
    trainSeconds: null,
    scores: null,
  };
}
