/**
 * One fine-tuning method on one task at one shot count, over every seed: build
 * from a fresh base, train for the task's step budget with Adam, score, and
 * measure (parameters, optimiser state, peak memory, step time, latency,
 * adapter bytes, forgetting). Costs are measured on the first seed's first
 * episode; quality and forgetting over all.
 */
import * as tf from '@tensorflow/tfjs-core';
import { countParameters, InvalidArgumentError, manualSeed, train, type PeftModel } from '@peftjs/core';
import type { AnyModel, BuiltModel, Episode, FineTuneMethod, PreparedTask, Shot } from '../types';
import type { MethodResult } from '../report/results';
import { folderBytes, inferenceOf, safetensorsBytes, timeAgainst, withTemporaryFolder } from './measure';
import { MemoryWatermark } from './memory';
import type { ScoreSet } from './bootstrap';
import { median, summarizeScores } from './stats';

export interface RunOptions {
  readonly seeds: readonly number[];
  /** A base kept for latency comparisons (unadapted). */
  readonly referenceBase: AnyModel;
  readonly latencyRepeats: number;
  /** The unadapted base's per-example base-task scores (forgettingExamples of the reference base), for per-example forgetting. */
  readonly baseForgettingExamples?: readonly number[];
  /** Called after each seed, for progress. */
  readonly onSeed?: (seed: number) => void;
}

interface Costs {
  trainableParameters: number;
  totalParameters: number;
  trainableShare: number;
  optimizerStateBytes: number;
  peakTensorBytes: number;
  stepMs: number;
  inferenceMs: number;
  latencyRatio: number;
  latencyMergedRatio: number | null;
  adapterBytes: number;
}

/** A stable seed per (seed, episode), so every method sees the same initialisation stream. */
export function runSeed(seed: number, episode: number): number {
  return 1_000_003 * seed + 7919 * episode + 17;
}

export type RunResult = Omit<MethodResult, 'stepTimeRatio' | 'versusFull'>;

export async function runFineTune(prepared: PreparedTask, method: FineTuneMethod, shot: Shot, options: RunOptions): Promise<RunResult> {
  const qualities: number[][] = [];
  const forgetting: number[][] = [];
  let costs: Costs | undefined;
  let trainSeconds = 0;
  const notes = new Set<string>();
  for (const seed of options.seeds) {
    const episodes = prepared.episodes(shot, seed);
    const seedQualities: number[] = [];
    try {
      for (let e = 0; e < episodes.length; e++) {
        const measureCosts = costs === undefined;
        const outcome = await runEpisode(prepared, method, shot, episodes[e], seed, runSeed(seed, e), measureCosts, e === 0, options);
        seedQualities.push(...outcome.quality);
        if (outcome.forgetting !== undefined) forgetting.push(outcome.forgetting);
        if (outcome.costs) costs = outcome.costs;
        if (outcome.note) notes.add(outcome.note);
        trainSeconds += outcome.seconds;
      }
    } finally {
      for (const episode of episodes) episode.dispose();
    }
    qualities.push(seedQualities);
    options.onSeed?.(seed);
  }
  const scores = {
    quality: { seeds: [...options.seeds], design: prepared.evaluateExamples ? 'crossed' : 'nested', values: qualities } satisfies ScoreSet,
    forgetting: forgetting.length === options.seeds.length ? ({ seeds: [...options.seeds], design: forgettingDesign(prepared, options), values: forgetting } satisfies ScoreSet) : null,
  };
  return {
    task: prepared.info.name,
    method: method.name,
    title: method.title,
    group: method.group,
    kind: 'finetune',
    shot,
    status: 'ok',
    quality: summarizeScores(scores.quality),
    trainableParameters: costs?.trainableParameters ?? null,
    totalParameters: costs?.totalParameters ?? null,
    trainableShare: costs?.trainableShare ?? null,
    optimizerStateBytes: costs?.optimizerStateBytes ?? null,
    peakTensorBytes: costs?.peakTensorBytes ?? null,
    stepMs: costs?.stepMs ?? null,
    inferenceMs: costs?.inferenceMs ?? null,
    latencyRatio: costs?.latencyRatio ?? null,
    latencyMergedRatio: costs?.latencyMergedRatio ?? null,
    adapterBytes: costs?.adapterBytes ?? null,
    forgetting: scores.forgetting ? summarizeScores(scores.forgetting) : null,
    trainSeconds,
    scores,
    ...(notes.size > 0 ? { notes: [...notes] } : {}),
  };
}

/** Per-example forgetting needs both the base's and the adapted model's per-example scores; else one value per seed. */
function perExampleForgetting(prepared: PreparedTask, options: RunOptions): boolean {
  return prepared.forgettingExamples !== undefined && options.baseForgettingExamples !== undefined;
}

function forgettingDesign(prepared: PreparedTask, options: RunOptions): ScoreSet['design'] {
  return perExampleForgetting(prepared, options) ? 'crossed' : 'nested';
}

interface EpisodeOutcome {
  /** One score per evaluation example (or the episode's score alone). */
  quality: number[];
  /** Base-task score before minus after, per example (or one value). */
  forgetting?: number[];
  costs?: Costs;
  note?: string;
  seconds: number;
}

async function runEpisode(
  prepared: PreparedTask,
  method: FineTuneMethod,
  shot: Shot,
  episode: Episode,
  seed: number,
  streamSeed: number,
  measureCosts: boolean,
  measureForgetting: boolean,
  options: RunOptions,
): Promise<EpisodeOutcome> {
  manualSeed(streamSeed);
  const watermark = new MemoryWatermark();
  const base = prepared.base();
  let built: BuiltModel | undefined;
  try {
    built = await method.build(base, { task: prepared.info, seed });
    const model = built.model;
    const counts = countParameters(model, { optimizer: 'adam' });
    const stepEnds: number[] = [];
    const started = performance.now();
    await train(model, episode.train, {
      loss: (m: AnyModel, batch: unknown) => prepared.loss(m, batch),
      optimizer: 'adam',
      learningRate: built.learningRate ?? prepared.learningRate,
      maxSteps: prepared.steps(shot),
      shuffle: true,
      seed: streamSeed,
      progress: false,
      callbacks: { onStepEnd: () => void stepEnds.push(performance.now()) },
    });
    const seconds = (performance.now() - started) / 1000;
    const { peakBytes } = watermark.stop();
    const quality = prepared.evaluateExamples ? prepared.evaluateExamples(model, episode) : [prepared.evaluate(model, episode)];
    const forgetting = measureForgetting ? forgettingOf(prepared, model, options) : undefined;
    let costs: Costs | undefined;
    if (measureCosts) {
      // Step time: the median of steps after the first (which creates the optimiser state).
      const durations = stepEnds.slice(1).map((t, i) => t - stepEnds[i]);
      const input = prepared.latencyInput();
      const timing = timeAgainst(inferenceOf(prepared, model, input), inferenceOf(prepared, options.referenceBase, input), options.latencyRepeats);
      costs = {
        trainableParameters: counts.trainable,
        totalParameters: counts.total + (prepared.frozenParameters ?? 0),
        trainableShare: counts.trainable / (counts.total + (prepared.frozenParameters ?? 0)),
        optimizerStateBytes: counts.optimizerStateBytes,
        peakTensorBytes: peakBytes - watermark.startBytes,
        stepMs: durations.length > 0 ? median(durations) : seconds * 1000,
        inferenceMs: timing.ms,
        latencyRatio: timing.ms / timing.referenceMs,
        latencyMergedRatio: built.peft ? mergedLatency(prepared, built.peft, input, options) : null,
        adapterBytes: await storedBytes(model, built.peft, built.prepareForSaving),
      };
    }
    return { quality, forgetting, costs, note: built.note, seconds };
  } finally {
    watermark.stop();
    const model = built?.model;
    const inModel = new Set(model?.parameters() ?? []);
    model?.dispose();
    if (!base.parameters().every((p) => inModel.has(p))) base.dispose();
  }
}

function forgettingOf(prepared: PreparedTask, model: AnyModel, options: RunOptions): number[] | undefined {
  if (perExampleForgetting(prepared, options)) {
    const before = options.baseForgettingExamples!;
    const after = prepared.forgettingExamples!(model);
    if (after.length !== before.length) {
      throw new InvalidArgumentError(`${prepared.info.name}: forgettingExamples: expected ${before.length} scores (as for the base), found ${after.length}`);
    }
    return after.map((value, i) => before[i] - value);
  }
  if (prepared.forgettingScore && prepared.baseScores?.forgetting !== undefined) return [prepared.baseScores.forgetting - prepared.forgettingScore(model)];
  return undefined;
}

/** Latency with the adapter merged into the base weights, over the base's; null where the method cannot merge. */
function mergedLatency(prepared: PreparedTask, peft: PeftModel<unknown, unknown>, input: unknown, options: RunOptions): number | null {
  try {
    peft.mergeAdapter();
  } catch {
    return null;
  }
  try {
    const timing = timeAgainst(inferenceOf(prepared, peft as unknown as AnyModel, input), inferenceOf(prepared, options.referenceBase, input), options.latencyRepeats);
    return timing.ms / timing.referenceMs;
  } finally {
    peft.unmergeAdapter();
  }
}

/** What one task costs to store: the saved adapter folder, or the trained tensors as safetensors. */
async function storedBytes(model: AnyModel, peft: PeftModel<unknown, unknown> | undefined, prepare?: () => void): Promise<number> {
  prepare?.();
  if (peft) {
    return withTemporaryFolder(async (directory) => {
      await peft.saveAdapter(directory);
      return folderBytes(directory);
    });
  }
  const trained = Object.fromEntries(model.namedParameters().filter(([, p]) => p.trainable).map(([name, p]) => [name, p.variable as tf.Tensor]));
  return safetensorsBytes(trained);
}
