import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@peftjs/core';

/**
 * A module from tensor to tensor. Composite modules here read their children
 * back from the tree on every call, typed as this rather than their original
 * class: `setSubmodule` may have swapped in a wrapper (a LoRA layer) since
 * construction, and the wrapper is what must run.
 */
export type TensorModule = Module<tf.Tensor, tf.Tensor>;
