/**
 * A LoRA variant as a strategy object (peft's `LoraVariant`): how an adapter
 * changes the layer output, and how it folds into and out of the base weight.
 * Variants work on the layer's weight matrix view W [out, fanIn] and its
 * factors A [r, fanIn] and B [out, r], so one variant serves every layer type.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { LoraLayer } from '../layer/lora-layer';

export interface MergedWeight {
  readonly weight: tf.Tensor2D;
  /** What unmerging needs and cannot recompute from the merged weight (DoRA's norms). */
  readonly kept?: tf.Tensor;
}

export interface LoraVariant {
  readonly name: 'lora' | 'dora';
  /**
   * Whether rows of many adapters can share one gathered, batched matmul in a
   * mixed-adapter batch: true when the adapter only adds B A x scaled.
   */
  readonly batchable: boolean;
  /** Creates the variant's own parameters, once A and B hold their initial values. */
  init(layer: LoraLayer, adapter: string): void;
  /**
   * `result` with `adapter` applied; `base` is the base layer's output for the
   * same rows (the two differ when several adapters are stacked).
   */
  forward(layer: LoraLayer, adapter: string, x: tf.Tensor, base: tf.Tensor, result: tf.Tensor): tf.Tensor;
  merge(layer: LoraLayer, adapter: string, weight: tf.Tensor2D): MergedWeight;
  unmerge(layer: LoraLayer, adapter: string, weight: tf.Tensor2D, kept: tf.Tensor | undefined): tf.Tensor2D;
  /** Frees the variant's own parameters. */
  dispose(layer: LoraLayer, adapter: string): void;
}
