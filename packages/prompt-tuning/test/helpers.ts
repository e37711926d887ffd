/**
 * Test helpers of @peftjs/prompt-tuning: backends, tiny seeded transformers
 * (dropout off, so outputs are deterministic), inputs and numeric checks.
 * Not part of the published package.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { manualSeed, type Module, type PeftModel } from '@peftjs/core';
import {
  BertForSequenceClassification,
  GPT2ForSequenceClassification,
  GPT2LMHeadModel,
  bertConfig,
  gpt2Config,
  type BertInput,
  type LogitsOutput,
  type TransformerInput,
} from '@peftjs/models';
import '../src/index';
import { useTestBackend, expectClose, maxAbsDifference } from '@peftjs/core/testing';

// Shared with every package's tests: see @peftjs/core/testing.
export { useTestBackend as onBackend, expectClose, maxAbsDifference };

export const VOCAB = 23;
export const MAX_POSITIONS = 32;
export const HIDDEN = 16;
export const LAYERS = 2;
export const HEADS = 4;

const NO_DROPOUT = { embdDropout: 0, attnDropout: 0, residDropout: 0 };

export function tinyLM(seed = 7): GPT2LMHeadModel {
  manualSeed(seed);
  return new GPT2LMHeadModel(
    gpt2Config({ vocabSize: VOCAB, maxPositions: MAX_POSITIONS, hiddenSize: HIDDEN, numLayers: LAYERS, numHeads: HEADS, eosTokenId: 22, bosTokenId: 22, ...NO_DROPOUT }),
  );
}

export function tinyGpt2Classifier(seed = 7): GPT2ForSequenceClassification {
  manualSeed(seed);
  return new GPT2ForSequenceClassification(
    gpt2Config({ vocabSize: VOCAB, maxPositions: MAX_POSITIONS, hiddenSize: HIDDEN, numLayers: LAYERS, numHeads: HEADS, numLabels: 2, padTokenId: 0, ...NO_DROPOUT }),
  );
}

export function tinyBert(seed = 7): BertForSequenceClassification {
  manualSeed(seed);
  return new BertForSequenceClassification(
    bertConfig({
      vocabSize: VOCAB,
      maxPositions: MAX_POSITIONS,
      hiddenSize: HIDDEN,
      numLayers: LAYERS,
      numHeads: HEADS,
      intermediateSize: 32,
      numLabels: 3,
      hiddenDropout: 0,
      attentionDropout: 0,
    }),
  );
}

/**
 * Scales every weight: GPT-2's small init gives near-uniform next-token
 * distributions, which no prompt can sharpen; a scaled model behaves more like
 * a trained one (peaked, input-dependent), as @peftjs/models' generation tests do.
 */
export function sharpen<M extends Module<never, unknown>>(model: M, factor: number): M {
  for (const [, p] of model.namedParameters()) p.assign(tf.tidy(() => tf.mul(p.variable, factor)));
  return model;
}

/** Two rows of five tokens; the second is left-padded by two. */
export function lmInput(): TransformerInput {
  return {
    inputIds: tf.tensor2d([[3, 9, 4, 12, 5], [0, 0, 7, 2, 18]], [2, 5], 'int32'),
    attentionMask: tf.tensor2d([[1, 1, 1, 1, 1], [0, 0, 1, 1, 1]], [2, 5], 'int32'),
  };
}

export function bertInput(): BertInput {
  return {
    inputIds: tf.tensor2d([[1, 9, 4, 12, 2], [1, 7, 2, 0, 0]], [2, 5], 'int32'),
    attentionMask: tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], [2, 5], 'int32'),
    tokenTypeIds: tf.tensor2d([[0, 0, 0, 1, 1], [0, 0, 1, 0, 0]], [2, 5], 'int32'),
  };
}

export const readLogits = (output: LogitsOutput): number[] => Array.from(output.logits.dataSync());
export const logitsLoss = (output: LogitsOutput): tf.Scalar => tf.mean(tf.square(output.logits)) as tf.Scalar;

/** Disposes every tensor in an input or output object. */
export function disposeAll(value: unknown): void {
  if (value instanceof tf.Tensor) value.dispose();
  else if (Array.isArray(value)) value.forEach(disposeAll);
  else if (typeof value === 'object' && value !== null) Object.values(value).forEach(disposeAll);
}

/** Logits of a fresh lmInput-like input (made by `make`), with every tensor freed. */
export function logitsOf<In>(model: Module<In, LogitsOutput>, make: () => In): number[] {
  const input = make();
  try {
    return tf.tidy(() => readLogits(model.call(input)));
  } finally {
    disposeAll(input);
  }
}

/** Moves every parameter of an adapter off its initialisation, deterministically. */
export function perturb<In, Out>(model: PeftModel<In, Out>, adapterName = 'default', scale = 0.3): void {
  for (const [, p] of model.adapterState(adapterName)) {
    p.assign(tf.tidy(() => tf.add(p.variable, tf.mul(scale, tf.sin(tf.reshape(tf.range(0, p.size), p.shape))))));
  }
}

/** Every parameter of an adapter (path, shape, trainable flag, values), to check that something left it alone. */
export function adapterSnapshot<In, Out>(model: PeftModel<In, Out>, adapterName = 'default'): Array<[string, number[], boolean, number[]]> {
  return model.adapterState(adapterName).map(([path, p]) => [path, [...p.shape], p.trainable, Array.from(p.variable.dataSync())]);
}
