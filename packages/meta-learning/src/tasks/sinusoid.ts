/**
 * Sinusoid regression tasks as in Finn et al. 2017 §5.1: y = A sin(x - φ) with
 * amplitude A ~ U[0.1, 5], phase φ ~ U[0, π], inputs x ~ U[-5, 5]. A task is
 * one (A, φ); its support and query sets are independent draws of x.
 * Numbers come from core's seeded Generator, so a seed fixes every task.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@peftjs/core';
import { numberRange, positiveInteger } from '../checks';
import type { Task, TaskSampler } from '../types';

export interface SinusoidTask extends Task<tf.Tensor2D, tf.Tensor2D> {
  readonly amplitude: number;
  readonly phase: number;
}

export interface SinusoidOptions {
  /** Support examples per task, K (default 10). */
  readonly shots?: number;
  /** Query examples per task (default: as many as `shots`). */
  readonly queryShots?: number;
  readonly seed?: number;
  readonly amplitudeRange?: readonly [number, number];
  readonly phaseRange?: readonly [number, number];
  readonly inputRange?: readonly [number, number];
}

export class SinusoidTaskSampler implements TaskSampler<tf.Tensor2D, tf.Tensor2D, SinusoidTask> {
  readonly shots: number;
  readonly queryShots: number;
  readonly amplitudeRange: readonly [number, number];
  readonly phaseRange: readonly [number, number];
  readonly inputRange: readonly [number, number];
  private readonly rng: Generator;

  constructor(options: SinusoidOptions = {}) {
    this.shots = positiveInteger('sinusoid shots', options.shots ?? 10);
    this.queryShots = positiveInteger('sinusoid queryShots', options.queryShots ?? this.shots);
    this.amplitudeRange = numberRange('sinusoid amplitudeRange', options.amplitudeRange ?? [0.1, 5]);
    this.phaseRange = numberRange('sinusoid phaseRange', options.phaseRange ?? [0, Math.PI]);
    this.inputRange = numberRange('sinusoid inputRange', options.inputRange ?? [-5, 5]);
    this.rng = new Generator(options.seed ?? 0);
  }

  sample(): SinusoidTask {
    const amplitude = this.between(this.amplitudeRange);
    const phase = this.between(this.phaseRange);
    return { amplitude, phase, support: this.points(amplitude, phase, this.shots), query: this.points(amplitude, phase, this.queryShots) };
  }

  /** `count` fresh tasks. */
  sampleMany(count: number): SinusoidTask[] {
    return Array.from({ length: positiveInteger('task count', count) }, () => this.sample());
  }

  /**
   * Examples pooled over many tasks, each with its own (A, φ): the data a
   * "pretrained on all tasks" baseline regresses on.
   */
  samplePooled(count: number): { inputs: tf.Tensor2D; targets: tf.Tensor2D } {
    const xs = new Float32Array(positiveInteger('pooled count', count));
    const ys = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const amplitude = this.between(this.amplitudeRange);
      const phase = this.between(this.phaseRange);
      xs[i] = this.between(this.inputRange);
      ys[i] = amplitude * Math.sin(xs[i] - phase);
    }
    return { inputs: tf.tensor2d(xs, [count, 1]), targets: tf.tensor2d(ys, [count, 1]) };
  }

  private points(amplitude: number, phase: number, count: number): { inputs: tf.Tensor2D; targets: tf.Tensor2D } {
    const xs = new Float32Array(count);
    const ys = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      xs[i] = this.between(this.inputRange);
      ys[i] = amplitude * Math.sin(xs[i] - phase);
    }
    return { inputs: tf.tensor2d(xs, [count, 1]), targets: tf.tensor2d(ys, [count, 1]) };
  }

  private between([low, high]: readonly [number, number]): number {
    return low + (high - low) * this.rng.uniform();
  }
}
