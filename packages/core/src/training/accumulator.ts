/**
 * Gradient accumulation: sums the loss and the gradients of several
 * micro-batches, then hands out their means, so that N micro-batches of a mean
 * loss make the same update as one batch N times larger.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PeftError } from '../errors';
import { LossNotConnectedError } from './errors';

export class GradientAccumulator {
  /** Per variable: the running sum, or undefined while no micro-batch gave it a gradient. */
  private sums: Array<tf.Tensor | undefined>;
  private lossSum: tf.Tensor | undefined;
  private added = 0;

  constructor(private readonly variables: readonly tf.Variable[]) {
    this.sums = variables.map(() => undefined);
  }

  /** Micro-batches summed since the last `takeMeans`. */
  get count(): number {
    return this.added;
  }

  /**
   * Runs `loss` on the gradient tape and adds its value and gradients to the sums.
   * Uses the engine's `gradients` rather than tf.variableGrads, which leaks the
   * loss when no variable is connected and keys its result by tfjs names.
   */
  add(loss: () => tf.Scalar): void {
    // A loss that throws while the tape records would leak every tensor the tape
    // kept for the backward pass (tfjs frees them only when gradients() returns):
    // catch it, let gradients() finish on a constant, free everything, rethrow.
    let failure: { error: unknown } | undefined;
    const guarded = () => {
      try {
        return loss();
      } catch (error) {
        failure = { error };
        return tf.scalar(0);
      }
    };
    const { value, grads } = tf.engine().gradients(guarded, this.variables as tf.Variable[], undefined, true);
    if (failure !== undefined) {
      tf.dispose([value, ...grads.filter((g): g is tf.Tensor => g != null)]);
      throw failure.error;
    }
    if (grads.every((g) => g == null)) {
      value.dispose();
      throw new LossNotConnectedError(this.variables.length);
    }
    this.lossSum = addInto(this.lossSum, value);
    grads.forEach((gradient, i) => {
      if (gradient != null) this.sums[i] = addInto(this.sums[i], gradient);
    });
    this.added += 1;
  }

  /**
   * The mean loss and the mean gradient of each variable that got one (with
   * its index), as tensors the caller now owns; the sums start again from zero.
   */
  takeMeans(): { loss: tf.Scalar; indices: number[]; gradients: tf.Tensor[] } {
    if (this.lossSum === undefined) throw new PeftError('NO_MICRO_BATCH', 'takeMeans: expected at least one micro-batch, found none');
    const count = this.added;
    const indices = this.sums.flatMap((g, i) => (g === undefined ? [] : [i]));
    const mean = (sum: tf.Tensor) => (count === 1 ? sum : tf.div(sum, count));
    const result = { loss: mean(this.lossSum) as tf.Scalar, indices, gradients: indices.map((i) => mean(this.sums[i] as tf.Tensor)) };
    if (count === 1) this.forget();
    else this.clear();
    return result;
  }

  /** Drops (and frees) whatever was summed. */
  clear(): void {
    for (const sum of this.sums) sum?.dispose();
    this.lossSum?.dispose();
    this.forget();
  }

  private forget(): void {
    this.sums = this.variables.map(() => undefined);
    this.lossSum = undefined;
    this.added = 0;
  }
}

function addInto(sum: tf.Tensor | undefined, value: tf.Tensor): tf.Tensor {
  if (sum === undefined) return value;
  const total = tf.add(sum, value);
  sum.dispose();
  value.dispose();
  return total;
}
