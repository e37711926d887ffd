/**
 * Where batches come from. A batch is whatever the loss function takes (a
 * tensor, `{ x, y }`, token ids ...): the loop never looks inside one.
 *
 * - An array is visited in order each epoch, or in a seeded random order with
 *   `shuffle: true`.
 * - A function is called once per epoch with the epoch number and a seeded
 *   generator, and returns that epoch's batches (an iterable, a generator or an
 *   async generator). Drawing randomness from `context.rng` (not
 *   `Math.random` or the default generator) is what makes a resumed run see the
 *   same batches: checkpoints save the generator's state at the epoch's start.
 * - Any other iterable is iterated afresh each epoch; a one-shot iterator (a
 *   generator object) can therefore serve one epoch only.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '../nn/random';
import { TrainingDataError } from './errors';

export interface EpochContext {
  /** 0-based. */
  readonly epoch: number;
  /** The loop's data generator, positioned at this epoch's start (restored on resume). */
  readonly rng: Generator;
}

export type BatchSource<B> =
  | readonly B[]
  | Iterable<B>
  | AsyncIterable<B>
  | ((context: EpochContext) => Iterable<B> | AsyncIterable<B>);

/** Batches per epoch when the source says so up front (an array), else undefined. */
export function batchesPerEpoch<B>(source: BatchSource<B>): number | undefined {
  return Array.isArray(source) ? source.length : undefined;
}

/** The epoch's batches as an async iterator, so the loop treats every source alike. */
export function openEpoch<B>(source: BatchSource<B>, context: EpochContext, shuffle: boolean): AsyncIterator<B> | Iterator<B> {
  if (Array.isArray(source)) {
    return (shuffle ? shuffled(source as readonly B[], context.rng) : (source as readonly B[]))[Symbol.iterator]();
  }
  if (shuffle) {
    throw new TrainingDataError('shuffle: true needs the batches as an array; a function source can shuffle with its context.rng');
  }
  const iterable = typeof source === 'function' ? source(context) : source;
  if (iterable != null && typeof (iterable as AsyncIterable<B>)[Symbol.asyncIterator] === 'function') {
    return (iterable as AsyncIterable<B>)[Symbol.asyncIterator]();
  }
  if (iterable != null && typeof (iterable as Iterable<B>)[Symbol.iterator] === 'function') {
    return (iterable as Iterable<B>)[Symbol.iterator]();
  }
  throw new TrainingDataError(
    `data: expected an array of batches, an iterable, or a function (context) => iterable, found ${typeof source === 'function' ? `a function returning ${typeof iterable}` : typeof source}`,
  );
}

/** A seeded Fisher-Yates permutation: the same generator state gives the same order on every platform. */
export function shuffled<T>(items: readonly T[], rng: Generator): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.nextUint32() % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Frees every tensor inside a batch (nested arrays and objects too), for sources whose batches the loop owns. */
export function disposeBatch(batch: unknown): void {
  tf.dispose(batch as tf.TensorContainer);
}
