/**
 * The meta-training loop: draw a meta-batch from a task sampler, take a
 * meta-step, free the tasks. Synchronous, as every step is; `onStep` can
 * report progress or stop early by returning false.
 */
import { positiveInteger } from './checks';
import type { MetaLearner } from './meta-learner';
import { disposeTask } from './tensors';
import type { TaskSampler } from './types';

export interface MetaTrainOptions {
  readonly iterations: number;
  /** Tasks per meta-step (Finn et al.'s sinusoid runs used 25). */
  readonly metaBatchSize: number;
  /** After each meta-step; return false to stop. */
  readonly onStep?: (info: { readonly iteration: number; readonly loss: number }) => boolean | void;
}

/** Runs meta-training and returns the meta-loss of each step. */
export function metaTrain<In, Out, Target>(learner: MetaLearner<In, Out, Target>, sampler: TaskSampler<In, Target>, options: MetaTrainOptions): number[] {
  const iterations = positiveInteger('iterations', options.iterations);
  const metaBatchSize = positiveInteger('metaBatchSize', options.metaBatchSize);
  const losses: number[] = [];
  for (let iteration = 1; iteration <= iterations; iteration++) {
    const tasks = Array.from({ length: metaBatchSize }, () => sampler.sample());
    let loss: number;
    try {
      loss = learner.metaStep(tasks).loss;
    } finally {
      for (const task of tasks) disposeTask(task);
    }
    losses.push(loss);
    if (options.onStep?.({ iteration, loss }) === false) break;
  }
  return losses;
}
