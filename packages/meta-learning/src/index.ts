// @peftjs/meta-learning: the public API, named explicitly so that what is exported is a decision.
export { MetaLearner, type MetaLearnerOptions, type MetaStepResult } from './meta-learner';
export { MAML, type MAMLOptions } from './algorithms/maml';
export { FirstOrderMAML, type FirstOrderMAMLOptions } from './algorithms/first-order-maml';
export { MetaSGD, type MetaSGDOptions } from './algorithms/meta-sgd';
export { ANIL, type ANILOptions } from './algorithms/anil';

export { innerLoop, type InnerLoopOptions, type InnerLoopResult } from './inner-loop';
export { metaGradients, type MetaGradientOptions, type MetaGradients } from './meta-gradients';
export { metaTrain, type MetaTrainOptions } from './meta-train';
export { evaluateAdaptation, type EvaluateAdaptationOptions, type AdaptationCurve } from './evaluate';
export { AdaptedModel } from './adapted-model';
export { defaultMetaOptimizer, type MetaOptimizer, type MetaGradientUpdate } from './meta-optimizer';
export { selectParameters, TRAINABLE, type ParameterSelection } from './parameter-subset';

export { SinusoidTaskSampler, type SinusoidTask, type SinusoidOptions } from './tasks/sinusoid';
export {
  EpisodeSampler,
  episodeSamplers,
  splitClasses,
  type Episode,
  type EpisodeOptions,
  type LabelledDataset,
  type ClassSplitOptions,
} from './tasks/episodes';

export { pretrainOnTasks, type PretrainOptions } from './baselines/pretrain-on-tasks';
export { mseLoss, crossEntropyLoss, accuracy } from './losses';
export { meanWithInterval, type MeanWithInterval } from './statistics';
export { disposeTask } from './tensors';
export type { Batch, Task, TaskSampler, LossFunction, ParameterMap, InnerLearningRate } from './types';
export { MetaLearningOptionError, EmptyParameterSubsetError, EpisodeSizeError, NonFiniteMetaLossError } from './errors';
