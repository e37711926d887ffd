/** Helpers shared by the built-in tasks: batching, losses, metrics. */
import * as tf from '@tensorflow/tfjs-core';
import type { AnyModel, Shot, SuiteSize } from '../types';

export interface XYBatch {
  readonly x: tf.Tensor;
  readonly y: tf.Tensor;
}

/** Splits rows [0, count) into batches of at most `size` (tensors made from the given row maker). */
export function batchRows(count: number, size: number, make: (start: number, end: number) => XYBatch): XYBatch[] {
  const batches: XYBatch[] = [];
  for (let start = 0; start < count; start += size) batches.push(make(start, Math.min(count, start + size)));
  return batches;
}

export function mseLoss(prediction: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(prediction, targets))) as tf.Scalar);
}

/** Softmax cross-entropy of logits against integer labels. */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(labels, 'int32'), logits.shape[logits.rank - 1] as number), logits) as tf.Scalar);
}

/**
 * Per example, 1 where the argmax over a subset of the logits' classes is the
 * label, else 0 (task-incremental evaluation: each task is scored among its own
 * classes; accuracy is their mean). `classes` lists the logit columns; labels
 * are the class ids themselves.
 */
export function correctAmong(logits: tf.Tensor, labels: ArrayLike<number>, classes: readonly number[]): number[] {
  const predicted = tf.tidy(() => tf.argMax(tf.gather(logits, classes as number[], 1), 1).dataSync());
  return Array.from({ length: labels.length }, (_, i) => (classes[predicted[i]] === labels[i] ? 1 : 0));
}

/** Runs the model in eval mode over rows in chunks and returns what `score` makes of each chunk's output, summed. */
export function inChunks(model: AnyModel, count: number, chunk: number, input: (start: number, end: number) => unknown, score: (output: tf.Tensor, start: number, end: number) => number): number {
  const wasTraining = model.training;
  model.eval();
  try {
    let total = 0;
    for (let start = 0; start < count; start += chunk) {
      const end = Math.min(count, start + chunk);
      const output = tf.tidy(() => {
        const x = input(start, end);
        const out = model.call(x as never) as tf.Tensor | { logits: tf.Tensor };
        tf.dispose(x as tf.TensorContainer);
        return out instanceof tf.Tensor ? out : out.logits;
      });
      total += score(output, start, end);
      output.dispose();
    }
    return total;
  } finally {
    model.train(wasTraining);
  }
}

/** Like inChunks, but `score` returns one value per row of its chunk and every row's value is returned, in order. */
export function examplesInChunks(model: AnyModel, count: number, chunk: number, input: (start: number, end: number) => unknown, score: (output: tf.Tensor, start: number, end: number) => number[]): number[] {
  const values: number[] = [];
  inChunks(model, count, chunk, input, (output, start, end) => {
    values.push(...score(output, start, end));
    return 0;
  });
  return values;
}

/** Picks the value for the suite size. */
export function bySize<T>(size: SuiteSize, values: Readonly<Record<SuiteSize, T>>): T {
  return values[size];
}

export function shotLabel(shot: Shot): string {
  return shot === 'all' ? 'all' : String(shot);
}

/** Frees the tensors of batches. */
export function disposeBatches(batches: readonly XYBatch[]): void {
  tf.dispose(batches.flatMap((b) => [b.x, b.y]));
}
