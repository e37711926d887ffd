/**
 * `train(model, data, options)`: the training loop of @peftjs/core.
 *
 * One optimiser step is: for each of `gradientAccumulationSteps` micro-batches,
 * the loss and its gradients with respect to the trainable parameters only
 * (the gradient tape is asked for exactly those variables, so frozen ones are
 * constants and never get optimiser state), summed; then the average gradient, its
 * global norm, a finiteness check, optional clipping, and the optimiser update
 * at the scheduled learning rate. The loss and the norm are read back together,
 * once per step, and checked before anything is written: a NaN never reaches
 * the parameters.
 *
 * Every tensor a step makes is disposed by the end of the step, so the tensor
 * count stays flat after the first step (which creates the optimiser state).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '../errors';
import { trainableParameters } from '../freeze';
import type { Module } from '../nn/module';
import type { Parameter } from '../nn/parameter';
import { defaultGenerator, Generator } from '../nn/random';
import { GradientAccumulator } from './accumulator';
import { fileSystem } from '../io/file-system';
import { checkpointDirectoryName, pruneCheckpoints, saveCheckpoint, type TrainerProgress } from './checkpoint';
import { clipCoefficient, globalNorm } from './clip';
import { disposeBatch, openEpoch, type BatchSource } from './data';
import { EarlyStopping } from './early-stopping';
import { NoTrainableParametersError, NonFiniteLossError, TrainingDataError, TrainingOptionError } from './errors';
import { resolveTrainOptions, type ResolvedTrainOptions, type TrainOptions } from './options';
import { createProgress, formatNumber, type ProgressReporter } from './progress';
import { restoreCheckpoint } from './resume';
import type { EpochInfo, Metrics, StepInfo, StopReason, TrainingCallbacks, TrainingControl, TrainingHistory } from './types';

/**
 * Trains the model's trainable parameters on `data` and returns the history.
 * Throws NonFiniteLossError (parameters of the last good step kept) when a
 * loss or gradient norm is NaN or infinite, and typed errors for bad options.
 */
export async function train<M extends Module<never, unknown>, B>(model: M, data: BatchSource<B>, options: TrainOptions<M, B>): Promise<TrainingHistory> {
  const resolved = resolveTrainOptions(options, data);
  const parameters = trainableParameters(model);
  if (parameters.length === 0) throw new NoTrainableParametersError(model.namedParameters().length);
  const run = new TrainingRun(model, data, resolved, parameters, options.progress);
  try {
    return await run.execute();
  } finally {
    run.dispose();
  }
}

interface StopRequest {
  readonly reason: StopReason;
  readonly detail?: string;
}

class TrainingRun<M extends Module<never, unknown>, B> {
  private readonly variables: tf.Variable[];
  private readonly earlyStopping: EarlyStopping | undefined;
  private readonly dataRng: Generator;
  private readonly progress: ProgressReporter;
  private readonly history: TrainingHistory;
  private readonly control: TrainingControl;
  private readonly wasTraining: boolean;

  /** Optimiser steps taken, in total. */
  private step = 0;
  /** The current epoch (0-based), and how many of its batches were drawn. */
  private epoch = 0;
  private batchInEpoch = 0;
  /** The data generator's state when the current epoch began: what a checkpoint saves. */
  private epochStartRng: number[];
  private epochLossSum = 0;
  private epochSteps = 0;
  private lastEvalStep = -1;
  private lastSavedStep = -1;
  private stopRequest: StopRequest | undefined;

  private readonly accumulator: GradientAccumulator;

  constructor(
    private readonly model: M,
    private readonly data: BatchSource<B>,
    private readonly options: ResolvedTrainOptions<M, B>,
    private readonly parameters: Array<[string, Parameter]>,
    progressOption: TrainOptions<M, B>['progress'],
  ) {
    this.variables = parameters.map(([, p]) => p.variable);
    this.accumulator = new GradientAccumulator(this.variables);
    this.progress = createProgress(progressOption);
    // The data seed comes from the default generator unless given, as PyTorch's RandomSampler draws from torch's: manualSeed fixes it.
    this.dataRng = new Generator(options.seed ?? defaultGenerator().nextSeed());
    this.epochStartRng = this.dataRng.getState();
    this.wasTraining = model.training;
    this.history = { steps: [], losses: [], learningRates: [], gradNorms: [], epochs: [], evaluations: [], stopReason: 'epochs-completed', step: 0, epoch: 0, restoredBest: false, seconds: 0 };
    this.control = {
      stop: (reason?: string) => {
        this.stopRequest ??= { reason: 'callback', detail: reason };
      },
    };
    this.earlyStopping = options.earlyStopping;
  }

  async execute(): Promise<TrainingHistory> {
    const started = Date.now();
    const { options } = this;
    if (options.resumeFrom !== undefined) await this.resume(options.resumeFrom);
    this.model.train();
    this.progress.start({ step: this.step, totalSteps: options.plannedSteps, epochs: options.epochs });
    try {
      await this.callback('onTrainBegin', { step: this.step, epoch: this.epoch, totalSteps: options.plannedSteps });
      while (this.stopRequest === undefined) {
        if (options.maxSteps !== undefined && this.step >= options.maxSteps) this.stopRequest = { reason: 'max-steps' };
        else if (this.epoch >= options.epochs) this.stopRequest = { reason: 'epochs-completed' };
        else await this.runEpoch();
      }
    } catch (error) {
      // Ends the bar's line, so the error the caller prints starts on its own.
      this.progress.end(`training failed after ${this.step} steps (${error instanceof Error ? error.name : 'error'})`);
      throw error;
    }
    const history = this.history;
    history.stopReason = this.stopRequest.reason;
    if (this.stopRequest.detail !== undefined) history.stopDetail = this.stopRequest.detail;
    history.step = this.step;
    history.epoch = this.epoch;
    // Saved before the best parameters are put back: a checkpoint is the state training would continue from.
    if (options.checkpoint?.atEnd && this.lastSavedStep !== this.step) await this.saveCheckpoint();
    const best = this.earlyStopping?.bestValue;
    if (best !== undefined && this.earlyStopping !== undefined) history.best = { metric: this.earlyStopping.metric, ...best };
    history.restoredBest = this.earlyStopping?.restore(this.parameters) ?? false;
    history.seconds = (Date.now() - started) / 1000;
    this.progress.end(
      `training stopped (${history.stopReason}${history.stopDetail ? `: ${history.stopDetail}` : ''}) after ${history.step} steps, ${history.epoch} epochs, ${history.seconds.toFixed(1)}s` +
        (history.restoredBest && history.best ? `; restored the parameters of step ${history.best.step} (${history.best.metric} ${formatNumber(history.best.value)})` : ''),
    );
    await this.callback('onTrainEnd', history);
    return history;
  }

  /** Frees what the run made; the model's parameters stay as trained. */
  dispose(): void {
    this.accumulator.clear();
    this.model.train(this.wasTraining);
    this.earlyStopping?.dispose();
    if (this.options.ownsOptimizer) this.options.optimizer.dispose();
  }

  // ---- epochs and micro-batches -----------------------------------------------

  private async runEpoch(): Promise<void> {
    const { options } = this;
    // On resume this rewinds to the checkpointed epoch start, so the same order is drawn again.
    this.dataRng.setState(this.epochStartRng);
    const skip = this.batchInEpoch;
    this.batchInEpoch = 0;
    const iterator = openEpoch(this.data, { epoch: this.epoch, rng: this.dataRng }, options.shuffle);
    let finished = false;
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) {
          finished = true;
          break;
        }
        this.batchInEpoch += 1;
        if (this.batchInEpoch <= skip) {
          this.release(next.value);
          continue;
        }
        try {
          this.accumulate(next.value);
        } finally {
          this.release(next.value);
        }
        if (this.accumulator.count === options.accumulation) {
          await this.optimizerStep();
          if (this.stopRequest !== undefined) {
            // A run cut at maxSteps on an epoch's last batch still ends that epoch (its evaluation, onEpochEnd).
            if (this.stopRequest.reason === 'max-steps') finished = await this.isExhausted(iterator);
            break;
          }
        }
      }
    } finally {
      if (!finished) await iterator.return?.();
    }
    if (!finished) return;
    if (this.batchInEpoch === 0) {
      throw new TrainingDataError(
        `data: expected batches in epoch ${this.epoch}, found none (a generator object can be iterated once only: pass a function (context) => generator instead)`,
      );
    }
    // As Hugging Face's Trainer, a last group shorter than the accumulation count still makes a step.
    if (this.accumulator.count > 0) await this.optimizerStep();
    await this.endEpoch();
  }

  private async isExhausted(iterator: AsyncIterator<B> | Iterator<B>): Promise<boolean> {
    const next = await iterator.next();
    if (!next.done) this.release(next.value);
    return next.done === true;
  }

  private release(batch: B): void {
    if (this.options.disposeBatches) disposeBatch(batch);
  }

  /** Adds one micro-batch, checking what the loss function returns. */
  private accumulate(batch: B): void {
    this.accumulator.add(() => {
      const loss = this.options.loss(this.model, batch);
      if (!(loss instanceof tf.Tensor)) throw new TrainingOptionError('loss', 'a function returning a scalar tf.Tensor', loss);
      if (loss.rank !== 0) throw new ShapeMismatchError('loss (reduce it to a scalar, e.g. with tf.mean)', [], loss.shape);
      return loss as tf.Scalar;
    });
  }

  // ---- one optimiser step ---------------------------------------------------------

  private async optimizerStep(): Promise<void> {
    const { options } = this;
    const stepNumber = this.step + 1;
    const learningRate = options.optimizer.learningRate * options.schedule.multiplier(this.step);
    const { loss: meanLoss, indices, gradients } = this.accumulator.takeMeans();
    let clipped = gradients;
    let loss: number;
    let gradNorm: number;
    try {
      // One read-back per step for both numbers: each read is a sync point on GPU backends.
      const readout = tf.tidy(() => tf.stack([meanLoss, globalNorm(gradients)]));
      try {
        [loss, gradNorm] = await readout.data();
      } finally {
        readout.dispose();
      }
      // Checked before the update: a NaN never reaches the parameters.
      if (!Number.isFinite(loss)) throw new NonFiniteLossError('loss', stepNumber, this.epoch, loss);
      if (!Number.isFinite(gradNorm)) throw new NonFiniteLossError('gradient norm', stepNumber, this.epoch, gradNorm);
      if (!Number.isFinite(learningRate) || learningRate < 0) {
        throw new TrainingOptionError('schedule', 'a multiplier >= 0 at every step', `${learningRate / options.optimizer.learningRate} at step ${this.step}`);
      }
      const coefficient = options.maxGradNorm === undefined ? 1 : clipCoefficient(gradNorm, options.maxGradNorm);
      if (coefficient < 1) clipped = gradients.map((g) => tf.mul(g, coefficient));
      options.optimizer.applyGradients(
        indices.map((i, k) => ({ name: this.parameters[i][0], variable: this.variables[i], gradient: clipped[k] })),
        learningRate,
      );
    } finally {
      tf.dispose([meanLoss, ...gradients, ...(clipped === gradients ? [] : clipped)]);
    }

    this.step = stepNumber;
    this.epochLossSum += loss;
    this.epochSteps += 1;
    const info: StepInfo = { step: this.step, epoch: this.epoch, loss, learningRate, gradNorm };
    this.history.steps.push(info.step);
    this.history.losses.push(loss);
    this.history.learningRates.push(learningRate);
    this.history.gradNorms.push(gradNorm);
    this.progress.step(info);
    await this.callback('onStepEnd', info);
    if (options.evalEverySteps !== undefined && this.step % options.evalEverySteps === 0) await this.evaluate();
    if (options.maxSteps !== undefined && this.step >= options.maxSteps) this.stopRequest ??= { reason: 'max-steps' };
    const every = options.checkpoint?.everySteps;
    if (every !== undefined && this.step % every === 0) await this.saveCheckpoint();
  }

  private async endEpoch(): Promise<void> {
    const hadSteps = this.epochSteps > 0;
    const lastRate = this.history.learningRates[this.history.learningRates.length - 1];
    const info: EpochInfo = { epoch: this.epoch, step: this.step, loss: hadSteps ? this.epochLossSum / this.epochSteps : NaN, learningRate: hadSteps ? lastRate : NaN };
    this.history.epochs.push(info);
    this.progress.epoch(info);
    await this.callback('onEpochEnd', info);
    if (this.options.evalEachEpoch && this.lastEvalStep !== this.step && this.stopRequest?.reason !== 'early-stopping') await this.evaluate();
    this.epoch += 1;
    this.batchInEpoch = 0;
    this.epochStartRng = this.dataRng.getState();
    this.epochLossSum = 0;
    this.epochSteps = 0;
  }

  // ---- evaluation and early stopping ------------------------------------------------

  private async evaluate(): Promise<void> {
    const evaluate = this.options.evaluate;
    if (evaluate === undefined) return;
    this.model.eval();
    let metrics: Metrics;
    try {
      metrics = await evaluate(this.model, { step: this.step, epoch: this.epoch });
    } finally {
      this.model.train();
    }
    if (metrics === null || typeof metrics !== 'object' || !Object.values(metrics).every((v) => typeof v === 'number')) {
      throw new TrainingOptionError('evaluate', 'a function returning an object of numbers ({ loss: 0.3 })', metrics);
    }
    const record = { step: this.step, epoch: this.epoch, metrics: { ...metrics } };
    this.lastEvalStep = this.step;
    this.history.evaluations.push(record);
    this.progress.evaluation(record);
    await this.callback('onEvaluate', record);
    if (this.earlyStopping !== undefined) {
      const { stop } = this.earlyStopping.observe(metrics, this.step, this.parameters);
      if (stop) {
        const best = this.earlyStopping.bestValue;
        this.stopRequest ??= {
          reason: 'early-stopping',
          detail: `${this.earlyStopping.metric} did not improve for ${this.earlyStopping.patience} evaluation(s); best ${best ? `${formatNumber(best.value)} at step ${best.step}` : 'none'}`,
        };
      }
    }
  }

  // ---- callbacks --------------------------------------------------------------------

  private async callback(name: keyof TrainingCallbacks, info: unknown): Promise<void> {
    for (const callbacks of this.options.callbacks) {
      const hook = callbacks[name] as ((info: unknown, control: TrainingControl) => unknown) | undefined;
      if (hook !== undefined) await hook.call(callbacks, info, this.control);
    }
  }

  // ---- checkpoints ------------------------------------------------------------------

  private progressState(): TrainerProgress {
    const { steps, losses, learningRates, gradNorms, epochs, evaluations } = this.history;
    return {
      step: this.step,
      epoch: this.epoch,
      batchInEpoch: this.batchInEpoch,
      learningRate: this.options.optimizer.learningRate,
      schedule: this.options.schedule.description,
      rng: {
        default: defaultGenerator().getState(),
        data: this.epochStartRng,
        generators: Object.fromEntries(Object.entries(this.options.generators).map(([name, g]) => [name, g.getState()])),
      },
      epochLoss: { sum: this.epochLossSum, steps: this.epochSteps },
      earlyStopping: this.earlyStopping?.getState(),
      history: { steps, losses, learningRates, gradNorms, epochs, evaluations },
    };
  }

  private async saveCheckpoint(): Promise<void> {
    const checkpoint = this.options.checkpoint;
    if (checkpoint === undefined) return;
    const { path } = await fileSystem('saveCheckpoint');
    const directory = path.join(checkpoint.dir, checkpointDirectoryName(this.step));
    await saveCheckpoint(directory, {
      parameters: Object.fromEntries(this.parameters.map(([path, p]) => [path, p.variable])),
      optimizer: this.options.optimizer.getState(),
      bestParameters: this.earlyStopping?.bestParameters(),
      progress: this.progressState(),
    });
    this.lastSavedStep = this.step;
    if (checkpoint.keepLast !== undefined) await pruneCheckpoints(checkpoint.dir, checkpoint.keepLast);
    this.progress.message(`saved checkpoint ${directory}`);
    await this.callback('onCheckpoint', { step: this.step, directory });
  }

  private async resume(location: string): Promise<void> {
    const { options } = this;
    const progress = await restoreCheckpoint(location, {
      parameters: this.parameters,
      optimizer: options.optimizer,
      earlyStopping: this.earlyStopping,
      generators: options.generators,
    });
    this.epochStartRng = [...progress.rng.data];
    this.dataRng.setState(this.epochStartRng);
    this.step = progress.step;
    this.epoch = progress.epoch;
    this.batchInEpoch = progress.batchInEpoch;
    this.epochLossSum = progress.epochLoss.sum;
    this.epochSteps = progress.epochLoss.steps;
    this.lastSavedStep = progress.step;
    const h = progress.history;
    this.history.steps.push(...h.steps);
    this.history.losses.push(...h.losses);
    this.history.learningRates.push(...h.learningRates);
    this.history.gradNorms.push(...h.gradNorms);
    this.history.epochs.push(...h.epochs);
    this.history.evaluations.push(...h.evaluations);
    this.lastEvalStep = h.evaluations.length > 0 ? h.evaluations[h.evaluations.length - 1].step : -1;
  }
}

