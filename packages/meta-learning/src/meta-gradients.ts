/**
 * The meta-gradient as a pure function: given meta-parameter values (tensors,
 * usually the model's variables) and a meta-batch of tasks, return the mean
 * query loss after inner-loop adaptation and its gradient with respect to the
 * meta-parameters (and to learned inner learning rates). Nothing is written.
 *
 * - Second order: the inner loop runs on the outer tape, so the gradient
 *   passes through every inner step, Hessian-vector terms included.
 * - First order: the inner loop runs untaped, and the gradient of the query
 *   loss at the adapted values θ' stands in for the gradient at θ (dθ'/dθ ≈ I).
 *
 * Tasks are differentiated one at a time and the gradients summed, so peak
 * memory is one task's tape, not the meta-batch's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { withParameters, type Module } from '@peftjs/core';
import { EmptyParameterSubsetError, MetaLearningOptionError } from './errors';
import { innerLoop, merged } from './inner-loop';
import { disposeParameterMap, reduceToShape, valueAndGradients } from './tensors';
import type { InnerLearningRate, LossFunction, ParameterMap, Task } from './types';

export interface MetaGradientOptions<Out, Target> {
  readonly loss: LossFunction<Out, Target>;
  /** Paths adapted by the inner loop; their start values come from `parameters`, else from the model's variables. */
  readonly innerPaths: readonly string[];
  readonly innerSteps: number;
  /** A number, or tensors per inner path; when tensors, their gradients are returned too (Meta-SGD). */
  readonly innerLearningRate: InnerLearningRate;
  readonly firstOrder: boolean;
}

export interface MetaGradients {
  /** Mean query loss over the tasks, after adaptation. */
  readonly loss: number;
  /** d(mean query loss)/d(value) for every entry of `parameters`; owned by the caller. */
  readonly parameters: Map<string, tf.Tensor>;
  /** The same for every learned inner learning rate (empty when the rate is a number). */
  readonly learningRates: Map<string, tf.Tensor>;
}

export function metaGradients<In, Out, Target>(
  model: Module<In, Out>,
  parameters: ParameterMap,
  tasks: ReadonlyArray<Task<In, Target>>,
  options: MetaGradientOptions<Out, Target>,
): MetaGradients {
  if (tasks.length === 0) throw new MetaLearningOptionError('meta-batch', 'at least one task', 0);
  if (parameters.size === 0) throw new EmptyParameterSubsetError('meta-parameters', 'no parameter values were given to differentiate');
  const rates = typeof options.innerLearningRate === 'number' ? new Map<string, tf.Tensor>() : new Map(options.innerLearningRate);
  const parameterPaths = [...parameters.keys()];
  const ratePaths = [...rates.keys()];
  let sums: tf.Tensor[] | undefined;
  let lossSum = tf.scalar(0);
  try {
    for (const task of tasks) {
      const { loss, gradients } = options.firstOrder
        ? firstOrderTaskGradients(model, parameters, rates, task, options)
        : secondOrderTaskGradients(model, parameters, rates, task, options);
      const previous = sums;
      sums = previous ? gradients.map((g, i) => tf.tidy(() => tf.add(previous[i], g))) : gradients;
      if (previous) tf.dispose([...previous, ...gradients]);
      const previousLoss = lossSum;
      lossSum = tf.add(previousLoss, loss);
      tf.dispose([previousLoss, loss]);
    }
  } catch (error) {
    // A loss that throws on some task (a shape error, say) must not leave the partial sums behind.
    tf.dispose([...(sums ?? []), lossSum]);
    throw error;
  }
  const scale = 1 / tasks.length;
  const means = sums!.map((g) => tf.tidy(() => tf.mul(g, scale)));
  tf.dispose(sums!);
  const loss = lossSum.dataSync()[0] * scale;
  lossSum.dispose();
  return {
    loss,
    parameters: new Map(parameterPaths.map((path, i) => [path, means[i]])),
    learningRates: new Map(ratePaths.map((path, i) => [path, means[parameterPaths.length + i]])),
  };
}

interface TaskGradients {
  readonly loss: tf.Scalar;
  /** Parameter gradients in `parameters` order, then learning-rate gradients in `rates` order. */
  readonly gradients: tf.Tensor[];
}

function innerStart(model: Module<never, unknown>, parameters: ParameterMap, innerPaths: readonly string[]): Map<string, tf.Tensor> {
  return new Map(innerPaths.map((path) => [path, parameters.get(path) ?? model.getParameter(path).variable]));
}

function secondOrderTaskGradients<In, Out, Target>(
  model: Module<In, Out>,
  parameters: ParameterMap,
  rates: ReadonlyMap<string, tf.Tensor>,
  task: Task<In, Target>,
  options: MetaGradientOptions<Out, Target>,
): TaskGradients {
  return tf.tidy(() => {
    const xs = [...parameters.values(), ...rates.values()];
    const { value, gradients } = valueAndGradients(() => {
      const start = innerStart(model as unknown as Module<never, unknown>, parameters, options.innerPaths);
      const { adapted } = innerLoop(model, start, task.support, {
        loss: options.loss,
        steps: options.innerSteps,
        learningRate: rates.size > 0 ? rates : options.innerLearningRate,
        fixed: parameters,
      });
      return queryLoss(model, merged(parameters, adapted), task, options.loss);
    }, xs);
    return { loss: value, gradients };
  });
}

function firstOrderTaskGradients<In, Out, Target>(
  model: Module<In, Out>,
  parameters: ParameterMap,
  rates: ReadonlyMap<string, tf.Tensor>,
  task: Task<In, Target>,
  options: MetaGradientOptions<Out, Target>,
): TaskGradients {
  const start = innerStart(model as unknown as Module<never, unknown>, parameters, options.innerPaths);
  const { adapted, gradientSum } = innerLoop(model, start, task.support, {
    loss: options.loss,
    steps: options.innerSteps,
    learningRate: rates.size > 0 ? rates : options.innerLearningRate,
    fixed: parameters,
    collectGradientSum: rates.size > 0,
  });
  try {
    return tf.tidy(() => {
      // Differentiate at θ' for adapted paths and at θ for the rest (ANIL's body, say).
      const at = merged(parameters, adapted);
      const paths = [...new Set([...parameters.keys(), ...[...rates.keys()].filter((path) => adapted.has(path))])];
      const { value, gradients } = valueAndGradients(() => queryLoss(model, at, task, options.loss), paths.map((path) => at.get(path)!));
      const byPath = new Map(paths.map((path, i) => [path, gradients[i]]));
      // θ'_p = θ_p - α_p Σ_k g_k with the g_k held constant, so dL/dα_p ≈ -Σ_k g_k ⊙ dL/dθ'_p.
      const rateGradients = [...rates].map(([path, rate]) =>
        adapted.has(path) ? reduceToShape(tf.neg(tf.mul(gradientSum!.get(path)!, byPath.get(path)!)), rate.shape) : tf.zerosLike(rate),
      );
      return { loss: value, gradients: [...[...parameters.keys()].map((path) => byPath.get(path)!), ...rateGradients] };
    });
  } finally {
    disposeParameterMap(adapted);
    if (gradientSum) disposeParameterMap(gradientSum);
  }
}

function queryLoss<In, Out, Target>(model: Module<In, Out>, values: ParameterMap, task: Task<In, Target>, loss: LossFunction<Out, Target>): tf.Scalar {
  return withParameters(model as unknown as Module<never, unknown>, values, () => loss(model.call(task.query.inputs), task.query.targets));
}
