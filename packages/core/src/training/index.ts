/** The training loop of @peftjs/core and its parts: optimisers, schedules, clipping, checkpoints. */
export { train } from './loop';
export type { TrainOptions, CheckpointOptions } from './options';
export type {
  StepInfo,
  EpochInfo,
  EvaluationRecord,
  CheckpointInfo,
  Metrics,
  TrainingCallbacks,
  TrainingControl,
  TrainingHistory,
  StopReason,
} from './types';
export type { BatchSource, EpochContext } from './data';
export { shuffled } from './data';

export { Optimizer, type GradientUpdate, type OptimizerState, type ParameterState } from './optimizer';
export type { ParameterGroup } from './parameter-groups';
export { Adam, type AdamOptions } from './adam';
export { AdamW, type AdamWOptions } from './adamw';
export { SGD, type SGDOptions } from './sgd';
export { createOptimizer, OPTIMIZER_KINDS, type OptimizerKind, type OptimizerConfig } from './create-optimizer';

export {
  constantSchedule,
  constantScheduleWithWarmup,
  linearScheduleWithWarmup,
  cosineScheduleWithWarmup,
  resolveSchedule,
  type LearningRateSchedule,
  type ScheduleType,
  type ScheduleConfig,
  type ScheduleOption,
  type ResolvedSchedule,
} from './schedules';

export { clipGradNorm, globalNorm, clipCoefficient, scaleToMaxNorm } from './clip';
export { EarlyStopping, type EarlyStoppingOptions, type EarlyStoppingState } from './early-stopping';
export { createProgress, type ProgressOptions, type ProgressReporter } from './progress';
export {
  saveCheckpoint,
  loadCheckpoint,
  listCheckpoints,
  resolveCheckpoint,
  pruneCheckpoints,
  checkpointDirectoryName,
  CHECKPOINT_FILES,
  type CheckpointContents,
  type LoadedCheckpoint,
  type TrainerProgress,
} from './checkpoint';
export { TrainingOptionError, NoTrainableParametersError, NonFiniteLossError, LossNotConnectedError, CheckpointError, TrainingDataError } from './errors';
