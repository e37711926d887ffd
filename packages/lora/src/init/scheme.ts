/**
 * How a new adapter's factors start (peft's `init_lora_weights`), as strategy
 * objects. A scheme sees the layer only through this target: sizes, scaling,
 * and the base weight as a matrix [out, fanIn]. Schemes that start from the
 * base weight (PiSSA, OLoRA) also return the residual weight that replaces it,
 * so that the adapted layer computes exactly the base output at the start.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '@peftjs/core';

export interface InitTarget {
  readonly r: number;
  readonly fanIn: number;
  readonly out: number;
  readonly scaling: number;
  /**
   * peft starts embedding adapters the other way round (A zero, B normal) from
   * projections (A Kaiming-uniform, B zero); both give B A = 0.
   */
  readonly style: 'projection' | 'embedding';
  /** A copy of the base weight as [out, fanIn]; the caller disposes it. */
  weightMatrix(): tf.Tensor2D;
}

export interface InitialFactors {
  /** [r, fanIn] */
  readonly a: tf.Tensor2D;
  /** [out, r] */
  readonly b: tf.Tensor2D;
  /** The new base weight matrix, for schemes that move part of W into the factors. */
  readonly residual?: tf.Tensor2D;
}

export interface LoraInitScheme {
  readonly name: string;
  /** Whether it moves part of the base weight into the factors (then r must fit the weight). */
  readonly rewritesBaseWeight: boolean;
  initialize(target: InitTarget, rng: Generator): InitialFactors;
}
