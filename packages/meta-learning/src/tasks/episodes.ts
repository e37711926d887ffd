/**
 * N-way K-shot episodes from any labelled dataset (Vinyals et al. 2016; the
 * Omniglot / miniImageNet protocol of Finn et al. 2017): pick N classes, K
 * support and Q query examples of each, and relabel the classes 0..N-1 in the
 * order picked, so a model cannot memorise class identities across episodes.
 * Meta-train and meta-test samplers draw from disjoint class sets.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Generator, ShapeMismatchError } from '@peftjs/core';
import { positiveInteger } from '../checks';
import { EpisodeSizeError, MetaLearningOptionError } from '../errors';
import type { Task, TaskSampler } from '../types';

export interface LabelledDataset {
  /** Every example, stacked on the first axis: [count, ...feature shape]. */
  readonly examples: tf.Tensor;
  /** An integer class id per example. */
  readonly labels: ArrayLike<number>;
}

export interface Episode extends Task<tf.Tensor, tf.Tensor1D> {
  /** `classes[i]` is the dataset's class id behind episode label i. */
  readonly classes: readonly number[];
}

export interface EpisodeOptions {
  /** N: classes per episode. */
  readonly ways: number;
  /** K: support examples per class. */
  readonly shots: number;
  /** Query examples per class (default: as many as `shots`). */
  readonly queryShots?: number;
  /** The class ids episodes draw from (a meta-train or a meta-test split). */
  readonly classes: readonly number[];
  readonly seed?: number;
}

export class EpisodeSampler implements TaskSampler<tf.Tensor, tf.Tensor1D, Episode> {
  readonly ways: number;
  readonly shots: number;
  readonly queryShots: number;
  readonly classes: readonly number[];
  private readonly byClass: ReadonlyMap<number, readonly number[]>;
  private readonly rng: Generator;

  constructor(
    readonly dataset: LabelledDataset,
    options: EpisodeOptions,
  ) {
    this.ways = positiveInteger('episode ways', options.ways);
    this.shots = positiveInteger('episode shots', options.shots);
    this.queryShots = positiveInteger('episode queryShots', options.queryShots ?? options.shots);
    this.classes = [...new Set(options.classes)];
    const count = dataset.examples.shape[0];
    if (dataset.labels.length !== count) throw new ShapeMismatchError('dataset labels (one per example)', [count], [dataset.labels.length]);
    if (this.ways > this.classes.length) {
      throw new EpisodeSizeError(`${this.ways}-way episodes: expected at least ${this.ways} classes to draw from, found ${this.classes.length}`, this.ways, this.classes.length);
    }
    this.byClass = indexByClass(dataset.labels, this.classes);
    const perClass = this.shots + this.queryShots;
    for (const id of this.classes) {
      const available = this.byClass.get(id)!.length;
      if (available < perClass) {
        throw new EpisodeSizeError(
          `class ${id}: expected at least ${perClass} examples (${this.shots} support + ${this.queryShots} query), found ${available}`,
          perClass,
          available,
        );
      }
    }
    this.rng = new Generator(options.seed ?? 0);
  }

  sample(): Episode {
    const classes = pick(this.classes, this.ways, this.rng);
    const support: number[] = [];
    const query: number[] = [];
    const supportLabels: number[] = [];
    const queryLabels: number[] = [];
    classes.forEach((id, label) => {
      const chosen = pick(this.byClass.get(id)!, this.shots + this.queryShots, this.rng);
      support.push(...chosen.slice(0, this.shots));
      query.push(...chosen.slice(this.shots));
      supportLabels.push(...Array<number>(this.shots).fill(label));
      queryLabels.push(...Array<number>(this.queryShots).fill(label));
    });
    return {
      classes,
      support: { inputs: gatherRows(this.dataset.examples, support), targets: tf.tensor1d(supportLabels, 'int32') },
      query: { inputs: gatherRows(this.dataset.examples, query), targets: tf.tensor1d(queryLabels, 'int32') },
    };
  }
}

export interface ClassSplitOptions {
  readonly metaTrainClasses: readonly number[];
  readonly metaTestClasses: readonly number[];
}

/** A meta-train and a meta-test sampler over disjoint classes of one dataset. */
export function episodeSamplers(
  dataset: LabelledDataset,
  options: ClassSplitOptions & Omit<EpisodeOptions, 'classes'>,
): { metaTrain: EpisodeSampler; metaTest: EpisodeSampler } {
  const train = new Set(options.metaTrainClasses);
  const shared = options.metaTestClasses.filter((id) => train.has(id));
  if (shared.length > 0) throw new MetaLearningOptionError('metaTestClasses', 'classes disjoint from metaTrainClasses', shared);
  const { metaTrainClasses, metaTestClasses, seed = 0, ...episode } = options;
  return {
    metaTrain: new EpisodeSampler(dataset, { ...episode, classes: metaTrainClasses, seed }),
    // Another stream, so meta-test episodes do not depend on how many meta-train episodes were drawn.
    metaTest: new EpisodeSampler(dataset, { ...episode, classes: metaTestClasses, seed: seed + 1 }),
  };
}

/** Splits the classes present in `labels` at random: `metaTestCount` for meta-test, the rest for meta-train. */
export function splitClasses(labels: ArrayLike<number>, metaTestCount: number, seed = 0): ClassSplitOptions {
  const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  if (!Number.isSafeInteger(metaTestCount) || metaTestCount < 1 || metaTestCount >= classes.length) {
    throw new MetaLearningOptionError('metaTestCount', `an integer from 1 to ${classes.length - 1} (the dataset has ${classes.length} classes)`, metaTestCount);
  }
  const shuffled = pick(classes, classes.length, new Generator(seed));
  return { metaTestClasses: shuffled.slice(0, metaTestCount).sort((a, b) => a - b), metaTrainClasses: shuffled.slice(metaTestCount).sort((a, b) => a - b) };
}

function indexByClass(labels: ArrayLike<number>, classes: readonly number[]): Map<number, number[]> {
  const byClass = new Map(classes.map((id) => [id, [] as number[]]));
  for (let i = 0; i < labels.length; i++) byClass.get(labels[i])?.push(i);
  return byClass;
}

/** `count` distinct items in random order (a partial Fisher-Yates shuffle). */
function pick<T>(items: readonly T[], count: number, rng: Generator): T[] {
  const pool = [...items];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng.uniform() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, count);
}

function gatherRows(examples: tf.Tensor, rows: readonly number[]): tf.Tensor {
  return tf.tidy(() => tf.gather(examples, tf.tensor1d(rows as number[], 'int32')));
}
