/**
 * The meta-learner every algorithm here is: a model, the parameter subset the
 * inner loop adapts, the subset the outer loop meta-learns, the inner step
 * size, and a meta-optimiser. The maths lives in pure functions (innerLoop,
 * metaGradients); this class only resolves options and applies the
 * meta-update, which is the one place variables are written.
 *
 * MAML, FirstOrderMAML, MetaSGD and ANIL are this class with other defaults.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@peftjs/core';
import { AdaptedModel } from './adapted-model';
import { nonNegativeInteger, positiveInteger, positiveNumber } from './checks';
import { NonFiniteMetaLossError } from './errors';
import { evaluateAdaptation, type AdaptationCurve } from './evaluate';
import { innerLoop } from './inner-loop';
import { metaGradients, type MetaGradients } from './meta-gradients';
import { defaultMetaOptimizer, type MetaGradientUpdate, type MetaOptimizer } from './meta-optimizer';
import { selectParameters, TRAINABLE, type ParameterSelection } from './parameter-subset';
import { disposeParameterMap } from './tensors';
import type { Batch, InnerLearningRate, LossFunction, Task } from './types';

export interface MetaLearnerOptions<Out = tf.Tensor, Target = tf.Tensor> {
  /** Loss for both loops (mseLoss, crossEntropyLoss, or your own). */
  readonly loss: LossFunction<Out, Target>;
  /** What the inner loop adapts. Default: the trainable parameters (a PeftModel's active adapters). */
  readonly parameters?: ParameterSelection;
  /** What the meta-update changes. Default: the same subset as `parameters`. */
  readonly metaParameters?: ParameterSelection;
  /** Inner gradient steps per task during meta-training (default 1). */
  readonly innerSteps?: number;
  /** Inner step size α (default 0.01); must be positive. */
  readonly innerLearningRate?: number;
  /** Drop the second-order terms (default false). */
  readonly firstOrder?: boolean;
  /** Default: core's Adam at `metaLearningRate`; AdamW, SGD or any `{ applyGradients, dispose }` fit. Disposed with the learner. */
  readonly metaOptimizer?: MetaOptimizer;
  /** β, used when no `metaOptimizer` is given (default 1e-3). */
  readonly metaLearningRate?: number;
}

export interface MetaStepResult {
  /** Mean query loss of the meta-batch after adaptation, before this update. */
  readonly loss: number;
}

export class MetaLearner<In = tf.Tensor, Out = tf.Tensor, Target = tf.Tensor> {
  /** Paths the inner loop adapts, in model order. Resolved once, at construction. */
  readonly innerPaths: readonly string[];
  /** Paths the meta-update changes. */
  readonly metaPaths: readonly string[];
  readonly innerSteps: number;
  readonly firstOrder: boolean;
  readonly loss: LossFunction<Out, Target>;
  protected readonly baseInnerLearningRate: number;
  private readonly optimizer: MetaOptimizer;

  constructor(
    readonly model: Module<In, Out>,
    options: MetaLearnerOptions<Out, Target>,
  ) {
    if (typeof options?.loss !== 'function') throw new TypeError('MetaLearner: expected a loss function in options.loss');
    this.loss = options.loss;
    this.innerSteps = positiveInteger('innerSteps', options.innerSteps ?? 1);
    this.baseInnerLearningRate = positiveNumber('innerLearningRate', options.innerLearningRate ?? 0.01);
    this.firstOrder = options.firstOrder ?? false;
    const owner = model as unknown as Module<never, unknown>;
    const parameters = options.parameters ?? TRAINABLE;
    this.innerPaths = selectParameters(owner, parameters, 'inner-loop parameters').map(([path]) => path);
    this.metaPaths = selectParameters(owner, options.metaParameters ?? parameters, 'meta-parameters').map(([path]) => path);
    this.optimizer = options.metaOptimizer ?? defaultMetaOptimizer(options.metaLearningRate);
  }

  /** The inner step size in force: a number, or Meta-SGD's learned tensors by path. */
  get innerLearningRate(): InnerLearningRate {
    return this.baseInnerLearningRate;
  }

  /** Learned inner learning rates to meta-update, by path (none unless Meta-SGD). */
  protected learnedLearningRates(): ReadonlyMap<string, tf.Variable> {
    return new Map();
  }

  /** The meta-loss and its gradients at the current values, without changing anything. */
  metaGradients(tasks: ReadonlyArray<Task<In, Target>>): MetaGradients {
    const owner = this.model as unknown as Module<never, unknown>;
    const parameters = new Map(this.metaPaths.map((path) => [path, owner.getParameter(path).variable as tf.Tensor]));
    return metaGradients(this.model, parameters, tasks, {
      loss: this.loss,
      innerPaths: this.innerPaths,
      innerSteps: this.innerSteps,
      innerLearningRate: this.innerLearningRate,
      firstOrder: this.firstOrder,
    });
  }

  /**
   * One meta-update from a meta-batch (its size is `tasks.length`). Frees every
   * tensor it made; the tasks stay the caller's. A non-finite meta-loss throws
   * before anything is written.
   */
  metaStep(tasks: ReadonlyArray<Task<In, Target>>): MetaStepResult {
    const gradients = this.metaGradients(tasks);
    try {
      if (!Number.isFinite(gradients.loss)) throw new NonFiniteMetaLossError(gradients.loss);
      const owner = this.model as unknown as Module<never, unknown>;
      const rates = this.learnedLearningRates();
      const updates: MetaGradientUpdate[] = [
        ...[...gradients.parameters].map(([path, gradient]) => ({ name: path, variable: owner.getParameter(path).variable, gradient })),
        ...[...gradients.learningRates].map(([path, gradient]) => ({ name: `innerLearningRate:${path}`, variable: rates.get(path)!, gradient })),
      ];
      this.optimizer.applyGradients(updates);
      return { loss: gradients.loss };
    } finally {
      disposeParameterMap(gradients.parameters);
      disposeParameterMap(gradients.learningRates);
    }
  }

  /**
   * Adapts to a new task from its support set: `steps` gradient steps (default
   * `innerSteps`) from the meta-learned values, with the learned step size.
   * The model's variables are not touched; dispose the result when done.
   */
  adapt(support: Batch<In, Target>, steps: number = this.innerSteps): AdaptedModel<In, Out> {
    nonNegativeInteger('adapt steps', steps);
    const owner = this.model as unknown as Module<never, unknown>;
    const start = new Map(this.innerPaths.map((path) => [path, owner.getParameter(path).variable as tf.Tensor]));
    const { adapted } = innerLoop(this.model, start, support, { loss: this.loss, steps, learningRate: this.innerLearningRate });
    return new AdaptedModel(this.model, adapted);
  }

  /** Mean query loss (with 95% interval) after each of `steps` adaptation steps, over `tasks`. */
  evaluate(tasks: Iterable<Task<In, Target>>, steps: readonly number[] = [this.innerSteps]): AdaptationCurve {
    return evaluateAdaptation(this.model, tasks, { loss: this.loss, paths: this.innerPaths, learningRate: this.innerLearningRate, steps });
  }

  /** Frees the meta-optimiser's state (and learned rates). The model is the caller's and stays. */
  dispose(): void {
    this.optimizer.dispose();
  }
}
