/**
 * Early stopping on an evaluation metric (Keras' EarlyStopping, Hugging Face's
 * EarlyStoppingCallback): stop after `patience` evaluations without an
 * improvement of more than `minDelta`, and optionally put back the parameters
 * of the best evaluation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NotFoundError } from '../errors';
import type { Parameter } from '../nn/parameter';
import { brandClass } from '../util/brand';
import { closestNames } from '../util/closest';
import { nonNegativeNumber, positiveInteger, oneOf, rejectUnknownKeys } from './check';
import { TrainingOptionError } from './errors';

export interface EarlyStoppingOptions {
  /** A key of what `evaluate` returns. */
  readonly metric: string;
  /** Whether lower ('min', the default: losses) or higher ('max': accuracy) is better. */
  readonly mode?: 'min' | 'max';
  /** Stop after this many evaluations in a row without improvement. Default 1, as Hugging Face (Keras counts the same way). */
  readonly patience?: number;
  /** The smallest change that counts as an improvement. Default 0. */
  readonly minDelta?: number;
  /** At the end of training, put back the trainable parameters of the best evaluation. Default false. */
  readonly restoreBest?: boolean;
}

/** What a checkpoint keeps to resume early stopping where it was. */
export interface EarlyStoppingState {
  readonly best: number | null;
  readonly bestStep: number | null;
  readonly wait: number;
}

export class EarlyStopping {
  static {
    brandClass(this, 'core', 'EarlyStopping');
  }

  readonly metric: string;
  readonly mode: 'min' | 'max';
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBest: boolean;
  private best: number | null = null;
  private bestStep: number | null = null;
  private wait = 0;
  /** Copies of the trainable parameters at the best evaluation, by path (restoreBest only). */
  private bestValues: Map<string, tf.Tensor> | undefined;

  constructor(options: EarlyStoppingOptions) {
    if (options === null || typeof options !== 'object') throw new TrainingOptionError('earlyStopping', 'an object { metric, mode?, patience?, ... }', options);
    rejectUnknownKeys('earlyStopping', options, ['metric', 'mode', 'patience', 'minDelta', 'restoreBest']);
    if (typeof options.metric !== 'string' || options.metric === '') throw new TrainingOptionError('earlyStopping.metric', 'the name of a metric evaluate returns', options.metric);
    this.metric = options.metric;
    this.mode = oneOf('earlyStopping.mode', options.mode ?? 'min', ['min', 'max'] as const);
    this.patience = positiveInteger('earlyStopping.patience', options.patience ?? 1);
    this.minDelta = nonNegativeNumber('earlyStopping.minDelta', options.minDelta ?? 0);
    this.restoreBest = options.restoreBest ?? false;
  }

  get bestValue(): { value: number; step: number } | undefined {
    return this.best === null || this.bestStep === null ? undefined : { value: this.best, step: this.bestStep };
  }

  /**
   * Records one evaluation. Snapshots the parameters when it is the best so far
   * (with restoreBest) and says whether training should stop.
   */
  observe(metrics: Readonly<Record<string, number>>, step: number, parameters: ReadonlyArray<[string, Parameter]>): { improved: boolean; stop: boolean } {
    const value = metrics[this.metric];
    if (typeof value !== 'number') {
      throw new NotFoundError(
        `earlyStopping.metric: expected evaluate to return a number named '${this.metric}', found keys [${Object.keys(metrics).join(', ')}]`,
        closestNames(this.metric, Object.keys(metrics), 3),
      );
    }
    const improved =
      !Number.isNaN(value) &&
      (this.best === null || (this.mode === 'min' ? value < this.best - this.minDelta : value > this.best + this.minDelta));
    if (improved) {
      this.best = value;
      this.bestStep = step;
      this.wait = 0;
      if (this.restoreBest) this.snapshot(parameters);
    } else {
      this.wait += 1;
    }
    return { improved, stop: !improved && this.wait >= this.patience };
  }

  /** Puts the best parameters back (restoreBest), or does nothing. Returns whether it did. */
  restore(parameters: ReadonlyArray<[string, Parameter]>): boolean {
    if (!this.restoreBest || this.bestValues === undefined) return false;
    for (const [path, parameter] of parameters) {
      const value = this.bestValues.get(path);
      if (value !== undefined) parameter.assign(value);
    }
    return true;
  }

  getState(): EarlyStoppingState {
    return { best: this.best, bestStep: this.bestStep, wait: this.wait };
  }

  /** The saved copies, for checkpoints (live tensors: do not dispose). */
  bestParameters(): Record<string, tf.Tensor> | undefined {
    return this.bestValues === undefined ? undefined : Object.fromEntries(this.bestValues);
  }

  /** Resumes from a checkpoint; takes ownership of `bestParameters`. */
  setState(state: EarlyStoppingState, bestParameters?: Record<string, tf.Tensor>): void {
    this.best = state.best;
    this.bestStep = state.bestStep;
    this.wait = state.wait;
    this.disposeSnapshot();
    if (bestParameters !== undefined) this.bestValues = new Map(Object.entries(bestParameters));
  }

  dispose(): void {
    this.disposeSnapshot();
  }

  private snapshot(parameters: ReadonlyArray<[string, Parameter]>): void {
    this.disposeSnapshot();
    // clone() shares the variable's current data; later assigns give the variable new data, so the copy stays put.
    this.bestValues = new Map(parameters.map(([path, parameter]) => [path, parameter.variable.clone()]));
  }

  private disposeSnapshot(): void {
    if (this.bestValues !== undefined) for (const value of this.bestValues.values()) value.dispose();
    this.bestValues = undefined;
  }
}
