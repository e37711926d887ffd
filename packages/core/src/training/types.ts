/** What the loop reports: per-step information, callbacks, and the history it returns. */

/** After each optimiser step. */
export interface StepInfo {
  /** Optimiser steps taken so far, this one included (the first step is 1). */
  readonly step: number;
  /** 0-based. */
  readonly epoch: number;
  /** Mean loss over the step's micro-batches. */
  readonly loss: number;
  /** The learning rate this step used (base rate times the schedule). */
  readonly learningRate: number;
  /** Global L2 norm of the (averaged) gradients, before clipping. */
  readonly gradNorm: number;
}

export interface EpochInfo {
  /** 0-based index of the epoch that ended. */
  readonly epoch: number;
  readonly step: number;
  /** Mean of the step losses of this epoch (NaN if it had no step). */
  readonly loss: number;
  /** The learning rate of the epoch's last step (NaN if it had no step). */
  readonly learningRate: number;
}

export type Metrics = Readonly<Record<string, number>>;

export interface EvaluationRecord {
  readonly step: number;
  readonly epoch: number;
  readonly metrics: Metrics;
}

export interface CheckpointInfo {
  readonly step: number;
  readonly directory: string;
}

/** Lets a callback end training after the current step, as Keras' `model.stopTraining`. */
export interface TrainingControl {
  stop(reason?: string): void;
}

/** Hooks into the loop. Each may be async; the loop awaits it. Losses are plain numbers, never tensors. */
export interface TrainingCallbacks {
  onTrainBegin?(info: { readonly step: number; readonly epoch: number; readonly totalSteps: number | undefined }, control: TrainingControl): unknown;
  onStepEnd?(info: StepInfo, control: TrainingControl): unknown;
  onEpochEnd?(info: EpochInfo, control: TrainingControl): unknown;
  onEvaluate?(info: EvaluationRecord, control: TrainingControl): unknown;
  onCheckpoint?(info: CheckpointInfo): unknown;
  onTrainEnd?(history: TrainingHistory): unknown;
}

export type StopReason =
  /** Every epoch ran. */
  | 'epochs-completed'
  | 'max-steps'
  | 'early-stopping'
  /** A callback called `control.stop()`. */
  | 'callback';

/**
 * The record of a run. After a resume it continues the checkpointed history, so
 * it covers the whole training, not only the resumed part.
 */
export interface TrainingHistory {
  /** Step number of each entry of `losses`, `learningRates` and `gradNorms`. */
  readonly steps: number[];
  readonly losses: number[];
  readonly learningRates: number[];
  readonly gradNorms: number[];
  readonly epochs: EpochInfo[];
  readonly evaluations: EvaluationRecord[];
  stopReason: StopReason;
  /** Free text given to `control.stop(reason)`, or the early-stopping summary. */
  stopDetail?: string;
  /** Optimiser steps taken in total. */
  step: number;
  /** Epochs completed in total. */
  epoch: number;
  /** The best evaluation under early stopping. */
  best?: { readonly metric: string; readonly value: number; readonly step: number };
  /** Whether the best parameters were put back at the end (earlyStopping.restoreBest). */
  restoredBest: boolean;
  /** Wall-clock seconds of this call (not of earlier runs before a resume). */
  seconds: number;
}
