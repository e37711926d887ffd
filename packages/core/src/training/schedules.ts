/**
 * Learning-rate schedules as multipliers of the base rate, with Hugging Face
 * transformers' semantics (`get_constant_schedule_with_warmup`,
 * `get_linear_schedule_with_warmup`, `get_cosine_schedule_with_warmup`): the
 * argument is the number of optimiser steps already taken, so the first step
 * uses multiplier(0), which is 0 when there is warm-up.
 *
 * A schedule is a pure function of the step: a checkpoint only needs the step
 * to resume it exactly.
 */
import { nonNegativeInteger, nonNegativeNumber, oneOf, positiveInteger, positiveNumber, rejectUnknownKeys } from './check';
import { TrainingOptionError } from './errors';

/** Multiplier of the base learning rate before optimiser step `step + 1` (`step` = steps taken, from 0). */
export type LearningRateSchedule = (step: number) => number;

export type ScheduleType = 'constant' | 'linear' | 'cosine';

export interface ScheduleConfig {
  readonly type: ScheduleType;
  /** Steps of linear warm-up from 0 to the base rate. Default 0. */
  readonly warmupSteps?: number;
  /** Warm-up as a share of the total steps (rounded up), as Hugging Face's `warmup_ratio`. Not with `warmupSteps`. */
  readonly warmupRatio?: number;
  /** Steps over which linear and cosine decay reach 0. Default: the steps the run is set to take. */
  readonly totalSteps?: number;
  /** Cosine only: number of waves; the default 0.5 goes from 1 down to 0 once. */
  readonly numCycles?: number;
}

function warmup(step: number, warmupSteps: number): number {
  return step / Math.max(1, warmupSteps);
}

export function constantSchedule(): LearningRateSchedule {
  return () => 1;
}

export function constantScheduleWithWarmup(warmupSteps: number): LearningRateSchedule {
  nonNegativeInteger('warmupSteps', warmupSteps);
  return (step) => (step < warmupSteps ? warmup(step, warmupSteps) : 1);
}

export function linearScheduleWithWarmup(warmupSteps: number, totalSteps: number): LearningRateSchedule {
  nonNegativeInteger('warmupSteps', warmupSteps);
  positiveInteger('totalSteps', totalSteps);
  return (step) => (step < warmupSteps ? warmup(step, warmupSteps) : Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps)));
}

export function cosineScheduleWithWarmup(warmupSteps: number, totalSteps: number, numCycles = 0.5): LearningRateSchedule {
  nonNegativeInteger('warmupSteps', warmupSteps);
  positiveInteger('totalSteps', totalSteps);
  positiveNumber('numCycles', numCycles);
  return (step) => {
    if (step < warmupSteps) return warmup(step, warmupSteps);
    const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * numCycles * 2 * progress)));
  };
}

/** A schedule as the loop's options name it. */
export type ScheduleOption = ScheduleType | ScheduleConfig | LearningRateSchedule;

export interface ResolvedSchedule {
  readonly multiplier: LearningRateSchedule;
  /** What was resolved, for logs and checkpoints (`custom` for a function). */
  readonly description: Readonly<Record<string, string | number>>;
}

/**
 * Turns the `schedule` option into a multiplier. `plannedSteps` is the run's
 * length when the loop can tell it (from maxSteps, or epochs times the batches
 * of an array); decaying schedules need it or an explicit `totalSteps`.
 */
export function resolveSchedule(option: ScheduleOption | undefined, plannedSteps: number | undefined): ResolvedSchedule {
  if (option === undefined) return { multiplier: constantSchedule(), description: { type: 'constant', warmupSteps: 0 } };
  if (typeof option === 'function') return { multiplier: option, description: { type: 'custom' } };
  const config: ScheduleConfig = typeof option === 'string' ? { type: option } : option;
  if (config === null || typeof config !== 'object') throw new TrainingOptionError('schedule', "'constant', 'linear', 'cosine', a { type, ... } config or a function", option);
  rejectUnknownKeys('schedule', config, ['type', 'warmupSteps', 'warmupRatio', 'totalSteps', 'numCycles']);
  const type = oneOf('schedule.type', config.type, ['constant', 'linear', 'cosine'] as const);
  const totalSteps = config.totalSteps === undefined ? plannedSteps : positiveInteger('schedule.totalSteps', config.totalSteps);
  if (config.warmupSteps !== undefined && config.warmupRatio !== undefined) {
    throw new TrainingOptionError('schedule', 'warmupSteps or warmupRatio, not both', `warmupSteps ${config.warmupSteps} and warmupRatio ${config.warmupRatio}`);
  }
  let warmupSteps = nonNegativeInteger('schedule.warmupSteps', config.warmupSteps ?? 0);
  if (config.warmupRatio !== undefined) {
    const ratio = nonNegativeNumber('schedule.warmupRatio', config.warmupRatio);
    if (ratio > 1) throw new TrainingOptionError('schedule.warmupRatio', 'a number in [0, 1]', ratio);
    if (totalSteps === undefined) throw needsTotal('warmupRatio');
    warmupSteps = Math.ceil(ratio * totalSteps);
  }
  if (type === 'constant') {
    return { multiplier: constantScheduleWithWarmup(warmupSteps), description: { type, warmupSteps } };
  }
  if (totalSteps === undefined) throw needsTotal(`a ${type} schedule`);
  if (type === 'linear') return { multiplier: linearScheduleWithWarmup(warmupSteps, totalSteps), description: { type, warmupSteps, totalSteps } };
  const numCycles = config.numCycles ?? 0.5;
  return { multiplier: cosineScheduleWithWarmup(warmupSteps, totalSteps, numCycles), description: { type, warmupSteps, totalSteps, numCycles } };
}

function needsTotal(what: string): TrainingOptionError {
  return new TrainingOptionError(
    'schedule.totalSteps',
    `a total step count for ${what}: set schedule.totalSteps or maxSteps, or pass the data as an array so epochs fix the length`,
    undefined,
  );
}
