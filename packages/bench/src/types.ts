/**
 * The bench's contracts: what a task and a method are, and what a run
 * measures. A task owns data, a pretrained base and the protocol (shots,
 * steps, metric); a method owns only "how to make a trainable model out of a
 * base", so each is one small entry in its registry.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Module, PeftModel } from '@peftjs/core';

/** Examples per class (classification), per task (regression), or every example there is. */
export type Shot = number | 'all';

/** Any module, whatever its input and output types: tasks know theirs, the runner does not. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModel = Module<any, any>;

export interface MetricInfo {
  /** 'accuracy', 'mse', ... */
  readonly name: string;
  readonly higherIsBetter: boolean;
  /** The values the metric can take, [low, high] (default: [0, 1] for 'accuracy', unbounded otherwise); an interval wider than this is reported as unresolved. */
  readonly range?: readonly [number, number];
}

/** What a method may ask of a task before building anything. */
export interface TaskInfo {
  readonly name: string;
  /** The base's architecture: 'mlp', 'cnn', 'gpt2', 'layers-graph', or a user's own. */
  readonly architecture: string;
  /** Whether the base is a transformer with `config` dims and `getInputEmbeddings()` (prompt methods need it). */
  readonly transformer: boolean;
  /** Module paths of the linear layers worth adapting (LoRA, IA3 targets). The head is not among them. */
  readonly linearTargets: readonly string[];
  /** The subset of `linearTargets` that are feed-forward layers (IA3 scales their inputs). */
  readonly feedForwardTargets: readonly string[];
  /** The classification or regression head's module path: trained by "head only", copied per adapter by PEFT methods. */
  readonly headPath: string;
  /** LoRA config overrides the architecture needs (GPT-2's Conv1D: fan_in_fan_out). */
  readonly loraExtras?: Readonly<Record<string, unknown>>;
  /** Bottleneck adapter placement rules per preset (@peftjs/adapters' `placement`), for bases its presets do not know. */
  readonly bottleneckPlacement?: Readonly<Partial<Record<'houlsby' | 'pfeiffer' | 'parallel', readonly object[]>>>;
  /** Learning rate for training adapters from scratch, where the task knows better than the method's default. */
  readonly adapterLearningRate?: number;
  /** Whether the task offers a meta-learning protocol (MAML family). */
  readonly meta: boolean;
  readonly metric: MetricInfo;
}

/** One adaptation problem: train on `train`, score on `evaluation`. */
export interface Episode<B = unknown> {
  /** Batches for the training loop (the runner cycles through them for the task's step budget). */
  readonly train: readonly B[];
  /** Held-out data, as the task's evaluate() wants it. */
  readonly evaluation: unknown;
  /** Number of labelled examples trained on. */
  readonly examples: number;
  /** Frees the episode's tensors. */
  dispose(): void;
}

/** What a method hands back: the model to train and score, and, for PEFT methods, the PeftModel that saves adapters. */
export interface BuiltModel {
  readonly model: AnyModel;
  readonly peft?: PeftModel<unknown, unknown>;
  /** Overrides the task's learning rate (adapters usually want a larger one than full fine-tuning). */
  readonly learningRate?: number;
  /** Anything the report should say about this build. */
  readonly note?: string;
  /** Puts a trained adapter into the form it is saved in (P-tuning folds its prompt encoder), before the file size is measured. */
  readonly prepareForSaving?: () => void;
}

export interface BuildContext {
  readonly task: TaskInfo;
  readonly seed: number;
}

interface MethodCommon {
  /** Registry key, used on the command line: 'lora-r4'. */
  readonly name: string;
  /** Shown in tables and charts: 'LoRA r=4'. */
  readonly title: string;
  /** Groups related methods in reports: 'baseline', 'lora', 'adapters', 'prompt', 'meta', or your own. */
  readonly group: string;
  /** npm packages the method loads; a package that fails to load skips the method with the reason. */
  readonly packages?: readonly string[];
  /** True when the method fits the task, or the reason it does not (then it is reported as skipped). */
  applies?(task: TaskInfo): true | string;
}

/** A method trained by ordinary gradient descent on the task's few labelled examples. */
export interface FineTuneMethod extends MethodCommon {
  readonly kind: 'finetune';
  /** Makes the trainable model from a fresh copy of the pretrained base (which it may wrap or change in place). */
  build(base: AnyModel, context: BuildContext): BuiltModel | Promise<BuiltModel>;
}

/** The part of a meta-learner the bench drives (MetaLearner of @peftjs/meta-learning fits). */
export interface MetaLearnerLike {
  readonly innerPaths: readonly string[];
  readonly metaPaths: readonly string[];
  metaStep(tasks: readonly MetaTask[]): { loss: number };
  adapt(support: TensorBatch, steps?: number): { call(input: tf.Tensor): tf.Tensor; dispose(): void; readonly parameters: ReadonlyMap<string, tf.Tensor> };
  dispose(): void;
}

export interface MetaOptions {
  readonly loss: (prediction: tf.Tensor, targets: tf.Tensor) => tf.Scalar;
  readonly innerSteps: number;
  readonly innerLearningRate: number;
  readonly metaLearningRate: number;
}

/** A meta-learner: meta-trained on the task's source distribution, then adapted on its few examples. */
export interface MetaMethod extends MethodCommon {
  readonly kind: 'meta';
  /** Wraps the model to meta-train (which it may wrap first, e.g. in LoRA) in a learner. */
  createLearner(model: AnyModel, options: MetaOptions, context: BuildContext): Promise<{ learner: MetaLearnerLike; model: AnyModel; peft?: PeftModel<unknown, unknown> }>;
}

export type BenchMethod = FineTuneMethod | MetaMethod;

/** What a task's prepare() gets. */
export interface TaskContext {
  /** The size the suite asks for: the same protocol, scaled. */
  readonly size: SuiteSize;
  /** Where pretrained bases (and other derived data) are cached. */
  readonly cacheDir: string;
  /** One-line progress messages. */
  log(line: string): void;
  /** The backend's name, part of cache keys (bases trained on different backends differ in the last bits). */
  readonly backend: string;
}

export type SuiteSize = 'test' | 'quick' | 'full';

export interface TensorBatch {
  readonly inputs: tf.Tensor;
  readonly targets: tf.Tensor;
}

export interface MetaTask {
  readonly support: TensorBatch;
  readonly query: TensorBatch;
}

export interface MetaEpisode {
  readonly support: TensorBatch;
  readonly evaluation: unknown;
  dispose(): void;
}

/** The meta-learning protocol of a task. Episodes are in the meta model's label space. */
export interface MetaProtocol {
  /** A fresh model to meta-train (usually the pretrained base, with a head sized for episodes). */
  model(): AnyModel;
  /** Meta-training tasks for a seed: each sample() gives fresh tensors, disposed by the caller. */
  sampler(seed: number): { sample(): MetaTask };
  readonly options: MetaOptions;
  readonly iterations: number;
  readonly metaBatchSize: number;
  /** Inner steps when adapting to an evaluation episode. */
  readonly adaptSteps: number;
  /** Why a shot count is out of reach for meta-learners (too many examples for one inner-loop batch), or undefined. */
  unsupportedShot?(shot: Shot): string | undefined;
  /** The evaluation episodes for a shot count and seed, as support sets and evaluation data in the meta label space. */
  episodes(shot: Shot, seed: number): MetaEpisode[];
  /** Scores an adapted model's predictions (the same metric as the fine-tuning protocol). */
  score(predict: (inputs: tf.Tensor) => tf.Tensor, evaluation: unknown): number;
  /** One score per evaluation example, in a fixed order, whose mean is score(): intervals then resample examples too. */
  scoreExamples?(predict: (inputs: tf.Tensor) => tf.Tensor, evaluation: unknown): number[];
}

/** A task after its data is loaded and its base pretrained (or read from the cache). */
export interface PreparedTask {
  readonly info: TaskInfo;
  /** A fresh copy of the pretrained base: every method gets its own. */
  base(): AnyModel;
  /** Adaptation problems for a shot count and a seed (several for regression-over-tasks, one for classification). */
  episodes(shot: Shot, seed: number): Episode[];
  /** The training loss of one batch (a mean). */
  loss(model: AnyModel, batch: unknown): tf.Scalar;
  /** The task metric of a model on an episode's evaluation data. */
  evaluate(model: AnyModel, episode: Episode): number;
  /**
   * One score per evaluation example (1/0 for correct/wrong), whose mean is
   * evaluate(), on the same examples in the same order for every seed and
   * method. With it, intervals resample test examples as well as seeds, and
   * differences to full fine-tuning are paired example by example; without
   * it, an episode's score is one unit.
   */
  evaluateExamples?(model: AnyModel, episode: Episode): number[];
  /** Optimiser steps for one adaptation. */
  steps(shot: Shot): number;
  readonly learningRate: number;
  /** A batch for timing inference. */
  latencyInput(): unknown;
  /** Runs the model on the latency input (default: model.call). */
  infer?(model: AnyModel, input: unknown): tf.TensorContainer;
  /** The base task's score (forgetting = base score before adaptation - after). Undefined: not measured. */
  forgettingScore?(model: AnyModel): number;
  /** One base-task score per example, whose mean is forgettingScore(), the same examples every time (per-example forgetting). */
  forgettingExamples?(model: AnyModel): number[];
  /** Frozen parameters outside the module methods see (a feature extractor run once and cached), counted in the total. */
  readonly frozenParameters?: number;
  /** The unadapted base's scores: on the base task (for forgetting) and on the target. */
  readonly baseScores?: { readonly forgetting?: number; readonly target?: number };
  /** Meta-learning protocol, when the task has one. */
  readonly meta?: MetaProtocol;
  /** Extra results the task computes once (mixed-adapter serving, notes on the data). */
  extras?(context: ExtrasContext): Promise<Record<string, unknown>>;
  /** Things the report should say about this task (what the data is, what was cached). */
  readonly notes: string[];
  dispose(): void;
}

export interface ExtrasContext {
  /** Methods that ran on this task, by name, for extras that reuse them. */
  readonly methods: readonly BenchMethod[];
  readonly seed: number;
}

export interface BenchTask {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** The shot counts a suite runs when none are given. */
  readonly shots: Readonly<Record<SuiteSize, readonly Shot[]>>;
  /** A reason to skip (an optional dataset or package is missing), checked before prepare(). */
  unavailable?(): string | undefined | Promise<string | undefined>;
  prepare(context: TaskContext): Promise<PreparedTask>;
}
