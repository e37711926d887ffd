/**
 * The inner loop as a pure function over a parameter map (learn2learn's
 * `clone` + `adapt`, in spirit): each step computes the support loss through a
 * functional call and returns new tensors θ' = θ - α ∇L(θ). No variable is
 * written. If an outer gradient is being taped when this runs, every step is
 * taped too, so the outer gradient flows back through all inner steps
 * (second-order MAML); run without a tape it is plain fine-tuning.
 */
import * as tf from '@tensorflow/tfjs-core';
import { withParameters, type Module } from '@peftjs/core';
import { nonNegativeInteger, positiveNumber } from './checks';
import { MetaLearningOptionError } from './errors';
import { disposeParameterMap, valueAndGradients } from './tensors';
import type { Batch, InnerLearningRate, LossFunction, ParameterMap } from './types';

export interface InnerLoopOptions<Out, Target> {
  readonly loss: LossFunction<Out, Target>;
  /** Gradient steps on the support set (0 gives copies of the start values). */
  readonly steps: number;
  readonly learningRate: InnerLearningRate;
  /**
   * Values for parameters that are not adapted but must still be used in place
   * of the variables (the outer loop's meta-parameters, when they are given as tensors).
   */
  readonly fixed?: ParameterMap;
  /** Also return Σ_k ∇L(θ_k) per path: first-order Meta-SGD needs it for the learning-rate gradient. */
  readonly collectGradientSum?: boolean;
  /** Called after each step with the step number (1-based) and the adapted values; the values stay owned by the loop. */
  readonly onStep?: (step: number, adapted: ParameterMap) => void;
}

export interface InnerLoopResult {
  /** The adapted values, new tensors the caller owns (never the start tensors). */
  readonly adapted: Map<string, tf.Tensor>;
  /** Σ_k ∇L(θ_k) by path, when asked for; owned by the caller. */
  readonly gradientSum?: Map<string, tf.Tensor>;
}

/** Adapts `start` (path → value) to the support set. `start` is read, never disposed or changed. */
export function innerLoop<In, Out, Target>(
  model: Module<In, Out>,
  start: ParameterMap,
  support: Batch<In, Target>,
  options: InnerLoopOptions<Out, Target>,
): InnerLoopResult {
  const steps = nonNegativeInteger('inner steps', options.steps);
  checkInnerLearningRate(options.learningRate, start);
  const paths = [...start.keys()];
  // `current` starts as the caller's tensors (no copy: a copy would cost a taped op per parameter) and is never freed while it is.
  let current: ReadonlyMap<string, tf.Tensor> = start;
  let gradientSum = options.collectGradientSum ? new Map(paths.map((path) => [path, tf.zerosLike(start.get(path)!)])) : undefined;
  for (let step = 1; step <= steps; step++) {
    const previous = current;
    const previousSum = gradientSum;
    const { next, sums } = tf.tidy(() => {
      const xs = paths.map((path) => previous.get(path)!);
      const { gradients } = valueAndGradients(
        () => withParameters(model as unknown as Module<never, unknown>, merged(options.fixed, previous), () => options.loss(model.call(support.inputs), support.targets)),
        xs,
      );
      const next = xs.map((x, i) => tf.sub(x, tf.mul(rateFor(options.learningRate, paths[i]), gradients[i])));
      const sums = previousSum ? paths.map((path, i) => tf.add(previousSum.get(path)!, gradients[i])) : undefined;
      return { next, sums };
    });
    // Intermediate values may be freed even under an outer tape: tfjs keeps its own copies of what backprop needs.
    if (previous !== start) disposeParameterMap(previous);
    if (previousSum) disposeParameterMap(previousSum);
    current = new Map(paths.map((path, i) => [path, next[i]]));
    gradientSum = sums ? new Map(paths.map((path, i) => [path, sums[i]])) : undefined;
    options.onStep?.(step, current);
  }
  const adapted = current === start ? new Map(paths.map((path) => [path, tf.clone(start.get(path)!)])) : new Map(current);
  return { adapted, gradientSum };
}

/** Runs a loss with `fixed` overridden by `adapted` (later wins). */
export function merged(fixed: ParameterMap | undefined, adapted: ParameterMap): Map<string, tf.Tensor> {
  return new Map([...(fixed ?? []), ...adapted]);
}

function rateFor(learningRate: InnerLearningRate, path: string): number | tf.Tensor {
  return typeof learningRate === 'number' ? learningRate : learningRate.get(path)!;
}

/** A fixed rate must be positive; learned rates must cover every adapted path with a fitting shape. */
export function checkInnerLearningRate(learningRate: InnerLearningRate, start: ParameterMap): void {
  if (typeof learningRate === 'number' || typeof learningRate !== 'object' || learningRate === null || !(learningRate instanceof Map)) {
    positiveNumber('innerLearningRate', learningRate);
    return;
  }
  for (const [path, value] of start) {
    const rate = learningRate.get(path);
    if (rate === undefined) throw new MetaLearningOptionError(`inner learning rate for '${path}'`, 'a tensor per adapted parameter', undefined);
    if (rate.rank !== 0 && !tf.util.arraysEqual(rate.shape, value.shape)) {
      throw new MetaLearningOptionError(`inner learning rate for '${path}'`, `a scalar or shape [${value.shape.join(', ')}]`, `shape [${rate.shape.join(', ')}]`);
    }
  }
}
