/**
 * Post-adaptation quality: adapt to each task's support set and measure the
 * query loss after given numbers of steps (Finn et al. report 1, 5 and 10).
 * One adaptation run per task serves every step count, and nothing is taped:
 * evaluation is plain fine-tuning from the (meta-)learned values.
 */
import * as tf from '@tensorflow/tfjs-core';
import { withParameters, type Module } from '@peftjs/core';
import { nonNegativeInteger } from './checks';
import { MetaLearningOptionError } from './errors';
import { checkInnerLearningRate, innerLoop } from './inner-loop';
import { meanWithInterval, type MeanWithInterval } from './statistics';
import { disposeParameterMap } from './tensors';
import type { InnerLearningRate, LossFunction, ParameterMap, Task } from './types';

export interface EvaluateAdaptationOptions<Out, Target> {
  readonly loss: LossFunction<Out, Target>;
  /** Paths adapted on the support set. */
  readonly paths: readonly string[];
  readonly learningRate: InnerLearningRate;
  /** Step counts to report after (0 = before adapting). */
  readonly steps: readonly number[];
}

/** Per step count: the mean query loss over tasks with its 95% interval, and the per-task losses. */
export type AdaptationCurve = ReadonlyArray<{ readonly steps: number; readonly losses: readonly number[] } & MeanWithInterval>;

export function evaluateAdaptation<In, Out, Target>(
  model: Module<In, Out>,
  tasks: Iterable<Task<In, Target>>,
  options: EvaluateAdaptationOptions<Out, Target>,
): AdaptationCurve {
  if (options.steps.length === 0) throw new MetaLearningOptionError('evaluation steps', 'at least one step count', []);
  const stepCounts = [...new Set(options.steps.map((s) => nonNegativeInteger('evaluation steps', s)))].sort((a, b) => a - b);
  const losses = new Map(stepCounts.map((s) => [s, [] as number[]]));
  const owner = model as unknown as Module<never, unknown>;
  checkInnerLearningRate(options.learningRate, new Map(options.paths.map((path) => [path, owner.getParameter(path).variable as tf.Tensor])));
  for (const task of tasks) {
    const measure = (step: number, values: ParameterMap) => {
      if (!losses.has(step)) return;
      const loss = tf.tidy(() => withParameters(owner, values, () => options.loss(model.call(task.query.inputs), task.query.targets)));
      losses.get(step)!.push(loss.dataSync()[0]);
      loss.dispose();
    };
    const start = new Map(options.paths.map((path) => [path, owner.getParameter(path).variable as tf.Tensor]));
    measure(0, start);
    const { adapted } = innerLoop(model, start, task.support, {
      loss: options.loss,
      steps: stepCounts[stepCounts.length - 1],
      learningRate: options.learningRate,
      onStep: measure,
    });
    disposeParameterMap(adapted);
  }
  return stepCounts.map((steps) => ({ steps, losses: losses.get(steps)!, ...meanWithInterval(losses.get(steps)!) }));
}
