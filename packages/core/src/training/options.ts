/**
 * The options of `train`, their defaults, and their checks. Everything is
 * validated before training touches the model, so a bad option costs nothing.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../nn/module';
import { Generator } from '../nn/random';
import { positiveInteger, positiveNumber, rejectUnknownKeys } from './check';
import { createOptimizer, type OptimizerConfig, type OptimizerKind } from './create-optimizer';
import type { BatchSource } from './data';
import { batchesPerEpoch } from './data';
import { EarlyStopping, type EarlyStoppingOptions } from './early-stopping';
import { TrainingOptionError } from './errors';
import { Optimizer } from './optimizer';
import type { ProgressOptions } from './progress';
import { resolveSchedule, type ResolvedSchedule, type ScheduleOption } from './schedules';
import type { Metrics, TrainingCallbacks } from './types';

export interface CheckpointOptions {
  /** Root directory: each save goes to `<dir>/checkpoint-<step>`, as Hugging Face's Trainer lays them out. */
  readonly dir: string;
  /** Save every this many optimiser steps. Default: only at the end. */
  readonly everySteps?: number;
  /** Save when training ends normally (not after an error). Default true. */
  readonly atEnd?: boolean;
  /** Keep only the newest this many checkpoints under `dir`. Default: all. */
  readonly keepLast?: number;
}

export interface TrainOptions<M, B> {
  /** The loss of one batch, a scalar. For gradient accumulation to equal a larger batch, make it a mean. */
  readonly loss: (model: M, batch: B) => tf.Scalar;
  /** Default 'adamw'. An Optimizer instance is used as is and stays the caller's (not disposed). */
  readonly optimizer?: OptimizerKind | OptimizerConfig | Optimizer;
  /** Base learning rate for an optimiser given by name or config. Default 1e-3. */
  readonly learningRate?: number;
  /** Default constant. Decaying schedules span maxSteps, or epochs times the batches of an array, unless given totalSteps. */
  readonly schedule?: ScheduleOption;
  /** Passes over the data. Default 1, or unbounded when maxSteps is set. */
  readonly epochs?: number;
  /** Stop after this many optimiser steps in total (a resumed run counts the steps before it). */
  readonly maxSteps?: number;
  /** Micro-batches whose gradients are averaged into one optimiser step. Default 1. */
  readonly gradientAccumulationSteps?: number;
  /** Clip the global L2 norm of the gradients to this (torch's clip_grad_norm_). Default: no clipping. */
  readonly maxGradNorm?: number;
  /** Visit an array of batches in a seeded random order each epoch. Default false. */
  readonly shuffle?: boolean;
  /** Seed of the data generator (shuffling, `context.rng`). Default: drawn from `defaultGenerator()`, so `manualSeed` fixes it. */
  readonly seed?: number;
  /** Dispose every tensor in each batch after use: for sources that make fresh tensors per epoch. Default false. */
  readonly disposeBatches?: boolean;
  /** Runs in eval mode (dropout off); returns named numbers (`{ loss, accuracy }`). */
  readonly evaluate?: (model: M, context: { readonly step: number; readonly epoch: number }) => Metrics | Promise<Metrics>;
  /** Evaluate every this many steps. */
  readonly evalEverySteps?: number;
  /** Evaluate at the end of each epoch. Default: true when evaluate is given without evalEverySteps. */
  readonly evalEachEpoch?: boolean;
  readonly earlyStopping?: EarlyStoppingOptions;
  readonly callbacks?: TrainingCallbacks | readonly TrainingCallbacks[];
  /** A bar on a TTY, log lines otherwise; false for silence. Default true. */
  readonly progress?: boolean | ProgressOptions;
  readonly checkpoint?: CheckpointOptions;
  /** A checkpoint directory, or a `checkpoint.dir` root (its newest checkpoint is used). */
  readonly resumeFrom?: string;
  /** Generators besides `defaultGenerator()` whose state checkpoints save and restore (e.g. one given to a Dropout). */
  readonly generators?: Readonly<Record<string, Generator>>;
}

const KNOWN_OPTIONS = [
  'loss', 'optimizer', 'learningRate', 'schedule', 'epochs', 'maxSteps', 'gradientAccumulationSteps', 'maxGradNorm',
  'shuffle', 'seed', 'disposeBatches', 'evaluate', 'evalEverySteps', 'evalEachEpoch', 'earlyStopping', 'callbacks',
  'progress', 'checkpoint', 'resumeFrom', 'generators',
];

interface ResolvedCheckpointOptions {
  readonly dir: string;
  readonly everySteps: number | undefined;
  readonly atEnd: boolean;
  readonly keepLast: number | undefined;
}

/** Options after defaults and checks. */
export interface ResolvedTrainOptions<M, B> {
  readonly loss: (model: M, batch: B) => tf.Scalar;
  readonly optimizer: Optimizer;
  /** Whether the loop made the optimiser (and so disposes it). */
  readonly ownsOptimizer: boolean;
  readonly schedule: ResolvedSchedule;
  readonly epochs: number;
  readonly maxSteps: number | undefined;
  /** The run's length in steps when it can be told up front. */
  readonly plannedSteps: number | undefined;
  readonly accumulation: number;
  readonly maxGradNorm: number | undefined;
  readonly shuffle: boolean;
  readonly seed: number | undefined;
  readonly disposeBatches: boolean;
  readonly evaluate: TrainOptions<M, B>['evaluate'];
  readonly evalEverySteps: number | undefined;
  readonly evalEachEpoch: boolean;
  readonly callbacks: readonly TrainingCallbacks[];
  readonly earlyStopping: EarlyStopping | undefined;
  readonly resumeFrom: string | undefined;
  readonly checkpoint: ResolvedCheckpointOptions | undefined;
  readonly generators: Readonly<Record<string, Generator>>;
}

export function resolveTrainOptions<M extends Module<never, unknown>, B>(options: TrainOptions<M, B>, data: BatchSource<B>): ResolvedTrainOptions<M, B> {
  if (options === null || typeof options !== 'object') throw new TrainingOptionError('train options', 'an object with at least { loss }', options);
  rejectUnknownKeys('train options', options, KNOWN_OPTIONS);
  if (typeof options.loss !== 'function') throw new TrainingOptionError('loss', 'a function (model, batch) => tf.Scalar', options.loss);
  if (data === null || (typeof data !== 'object' && typeof data !== 'function')) {
    throw new TrainingOptionError('data', 'an array of batches, an iterable, or a function (context) => iterable', data);
  }

  const maxSteps = options.maxSteps === undefined ? undefined : positiveInteger('maxSteps', options.maxSteps);
  const epochs = options.epochs === undefined ? (maxSteps === undefined ? 1 : Infinity) : positiveInteger('epochs', options.epochs);
  const accumulation = options.gradientAccumulationSteps === undefined ? 1 : positiveInteger('gradientAccumulationSteps', options.gradientAccumulationSteps);
  const perEpoch = batchesPerEpoch(data);
  const byEpochs = perEpoch === undefined || !Number.isFinite(epochs) ? Infinity : epochs * Math.ceil(perEpoch / accumulation);
  const planned = Math.min(maxSteps ?? Infinity, byEpochs);

  let optimizer: Optimizer;
  const ownsOptimizer = !(options.optimizer instanceof Optimizer);
  if (options.optimizer instanceof Optimizer) {
    if (options.learningRate !== undefined) {
      throw new TrainingOptionError('learningRate', 'no top-level learningRate with an Optimizer instance (it has its own)', options.learningRate);
    }
    optimizer = options.optimizer;
  } else {
    if (options.learningRate !== undefined) positiveNumber('learningRate', options.learningRate);
    optimizer = createOptimizer(options.optimizer ?? 'adamw', options.learningRate);
  }
  // Later checks may still throw: harmless, as an optimiser holds no tensors before its first step.

  const evaluate = options.evaluate;
  if (evaluate !== undefined && typeof evaluate !== 'function') throw new TrainingOptionError('evaluate', 'a function (model, context) => metrics', evaluate);
  const evalEverySteps = options.evalEverySteps === undefined ? undefined : positiveInteger('evalEverySteps', options.evalEverySteps);
  for (const [option, set] of [['evalEverySteps', evalEverySteps !== undefined], ['evalEachEpoch', options.evalEachEpoch === true], ['earlyStopping', options.earlyStopping !== undefined]] as const) {
    if (set && evaluate === undefined) throw new TrainingOptionError(option, 'an evaluate function to go with it', 'none');
  }
  const checkpoint = options.checkpoint === undefined ? undefined : resolveCheckpointOptions(options.checkpoint);
  if (options.resumeFrom !== undefined && (typeof options.resumeFrom !== 'string' || options.resumeFrom === '')) {
    throw new TrainingOptionError('resumeFrom', 'a checkpoint directory path', options.resumeFrom);
  }
  const generators = options.generators ?? {};
  for (const [name, generator] of Object.entries(generators)) {
    if (!(generator instanceof Generator)) throw new TrainingOptionError(`generators.${name}`, 'a Generator', generator);
  }
  const callbacks = options.callbacks === undefined ? [] : Array.isArray(options.callbacks) ? options.callbacks : [options.callbacks as TrainingCallbacks];
  if (options.seed !== undefined && !Number.isFinite(options.seed)) throw new TrainingOptionError('seed', 'a finite number', options.seed);
  for (const flag of ['shuffle', 'disposeBatches', 'evalEachEpoch'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') throw new TrainingOptionError(flag, 'true or false', options[flag]);
  }

  return {
    loss: options.loss,
    optimizer,
    ownsOptimizer,
    schedule: resolveSchedule(options.schedule, Number.isFinite(planned) ? planned : undefined),
    epochs,
    maxSteps,
    plannedSteps: Number.isFinite(planned) ? planned : undefined,
    accumulation,
    maxGradNorm: options.maxGradNorm === undefined ? undefined : positiveNumber('maxGradNorm', options.maxGradNorm),
    shuffle: options.shuffle ?? false,
    seed: options.seed,
    disposeBatches: options.disposeBatches ?? false,
    evaluate,
    evalEverySteps,
    evalEachEpoch: options.evalEachEpoch ?? (evaluate !== undefined && evalEverySteps === undefined),
    callbacks,
    earlyStopping: options.earlyStopping === undefined ? undefined : new EarlyStopping(options.earlyStopping),
    resumeFrom: options.resumeFrom,
    checkpoint,
    generators,
  };
}

function resolveCheckpointOptions(options: CheckpointOptions): ResolvedCheckpointOptions {
  if (options === null || typeof options !== 'object') throw new TrainingOptionError('checkpoint', 'an object { dir, everySteps?, atEnd?, keepLast? }', options);
  rejectUnknownKeys('checkpoint', options, ['dir', 'everySteps', 'atEnd', 'keepLast']);
  if (typeof options.dir !== 'string' || options.dir === '') throw new TrainingOptionError('checkpoint.dir', 'a directory path', options.dir);
  return {
    dir: options.dir,
    everySteps: options.everySteps === undefined ? undefined : positiveInteger('checkpoint.everySteps', options.everySteps),
    atEnd: options.atEnd ?? true,
    keepLast: options.keepLast === undefined ? undefined : positiveInteger('checkpoint.keepLast', options.keepLast),
  };
}
