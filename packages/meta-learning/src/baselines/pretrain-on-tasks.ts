/**
 * The baseline meta-learning is measured against (Finn et al. 2017's
 * "pretrained"): train one model on the pooled examples of many tasks, as
 * ordinary multi-task regression or classification, then fine-tune it per
 * task with the same gradient steps a meta-learner's `adapt` takes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@peftjs/core';
import { positiveInteger } from '../checks';
import { NonFiniteMetaLossError } from '../errors';
import { defaultMetaOptimizer, type MetaOptimizer } from '../meta-optimizer';
import { selectParameters, TRAINABLE, type ParameterSelection } from '../parameter-subset';
import { disposeTask, valueAndGradients } from '../tensors';
import type { LossFunction, TaskSampler } from '../types';

export interface PretrainOptions {
  readonly loss: LossFunction;
  readonly iterations: number;
  /** Tasks whose support and query examples are pooled into one batch per step. */
  readonly tasksPerBatch: number;
  /** What is trained (default: the trainable parameters). */
  readonly parameters?: ParameterSelection;
  /** Default: core's Adam at 1e-3. Disposed at the end unless given. */
  readonly optimizer?: MetaOptimizer;
}

/** Trains `model` in place on pooled tasks; returns the loss of each step. */
export function pretrainOnTasks(model: Module, sampler: TaskSampler, options: PretrainOptions): number[] {
  const iterations = positiveInteger('iterations', options.iterations);
  const tasksPerBatch = positiveInteger('tasksPerBatch', options.tasksPerBatch);
  const parameters = selectParameters(model as unknown as Module<never, unknown>, options.parameters ?? TRAINABLE, 'pretrained parameters');
  const optimizer = options.optimizer ?? defaultMetaOptimizer();
  const losses: number[] = [];
  try {
    for (let step = 0; step < iterations; step++) {
      const tasks = Array.from({ length: tasksPerBatch }, () => sampler.sample());
      try {
        const { loss, gradients } = tf.tidy(() => {
          const inputs = tf.concat(tasks.flatMap((t) => [t.support.inputs, t.query.inputs]));
          const targets = tf.concat(tasks.flatMap((t) => [t.support.targets, t.query.targets]));
          const result = valueAndGradients(() => options.loss(model.call(inputs), targets), parameters.map(([, p]) => p.variable));
          return { loss: result.value, gradients: result.gradients };
        });
        const value = loss.dataSync()[0];
        loss.dispose();
        if (!Number.isFinite(value)) {
          tf.dispose(gradients);
          throw new NonFiniteMetaLossError(value);
        }
        optimizer.applyGradients(parameters.map(([name, p], i) => ({ name, variable: p.variable, gradient: gradients[i] })));
        tf.dispose(gradients);
        losses.push(value);
      } finally {
        tasks.forEach(disposeTask);
      }
    }
  } finally {
    if (options.optimizer === undefined) optimizer.dispose();
  }
  return losses;
}
