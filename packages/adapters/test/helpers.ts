/**
 * Test helpers of @peftjs/adapters: backends, tiny seeded models of
 * @peftjs/models, inputs, numeric checks. Not part of the published package.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Activation, Linear, Module, Sequential, manualSeed, type Parameter } from '@peftjs/core';
import {
  BertModel,
  GPT2LMHeadModel,
  MLP,
  bertConfig,
  gpt2Config,
  type BertModelOutput,
  type LogitsOutput,
  type TransformerInput,
} from '@peftjs/models';
import '../src/index';
import { useTestBackend, expectClose, expectGradientsMatchFiniteDifferences } from '@peftjs/core/testing';

// Shared with every package's tests: see @peftjs/core/testing.
export { useTestBackend as onBackend, expectClose, expectGradientsMatchFiniteDifferences };

export const TINY_GPT2 = gpt2Config({ vocabSize: 30, maxPositions: 16, numLayers: 2, numHeads: 2, hiddenSize: 16, embdDropout: 0, attnDropout: 0, residDropout: 0 });
export const TINY_BERT = bertConfig({ vocabSize: 30, maxPositions: 16, numLayers: 2, numHeads: 2, hiddenSize: 16, intermediateSize: 32, hiddenDropout: 0, attentionDropout: 0 });

export function makeGpt2(seed = 3): GPT2LMHeadModel {
  manualSeed(seed);
  return new GPT2LMHeadModel(TINY_GPT2);
}

export function makeBert(seed = 4): BertModel {
  manualSeed(seed);
  return new BertModel(TINY_BERT);
}

export function makeMlp(seed = 5): MLP {
  manualSeed(seed);
  return new MLP({ inputSize: 6, hiddenSizes: [8, 8], outputSize: 3, activation: 'tanh' });
}

/** token ids [rows, 5]. */
export const tokenInput = (rows = 2): TransformerInput => ({
  inputIds: tf.tensor2d(Array.from({ length: rows * 5 }, (_, i) => (i * 7 + 3) % 30), [rows, 5], 'int32'),
});

export const mlpInput = (rows = 3): tf.Tensor => tf.tensor2d(Array.from({ length: rows * 6 }, (_, i) => Math.sin(i + 1)), [rows, 6]);

export const readLogits = (output: LogitsOutput): number[] => Array.from(output.logits.dataSync());
export const logitsLoss = (output: LogitsOutput): tf.Scalar => tf.mean(tf.square(output.logits)) as tf.Scalar;
export const readHidden = (output: BertModelOutput): number[] => Array.from(output.lastHiddenState.dataSync());
/** On the pooled output: the last hidden state is layer-normalised, so its mean square barely moves. */
export const hiddenLoss = (output: BertModelOutput): tf.Scalar => tf.mean(tf.square(tf.sub(output.poolerOutput!, 0.3))) as tf.Scalar;

/** Linear -> tanh -> Linear: one site (the activation '1', width 6) for composition tests. */
export function makeSmallNet(seed = 9): Sequential {
  manualSeed(seed);
  return new Sequential(new Linear(4, 6), new Activation('tanh'), new Linear(6, 3));
}

export const smallInput = (rows = 5): tf.Tensor => tf.tensor2d(Array.from({ length: rows * 4 }, (_, i) => Math.cos(i * 1.3)), [rows, 4]);

/** Runs a tensor model on a fresh input and returns the numbers, freeing every tensor. */
export function outputOf(model: Module, input: () => tf.Tensor): number[] {
  const x = input();
  try {
    return tf.tidy(() => Array.from(model.call(x).dataSync()));
  } finally {
    x.dispose();
  }
}

/** Moves every parameter by seeded noise, so adapters leave their identity start. */
export function perturb(parameters: ReadonlyArray<readonly [string, Parameter]>, seed: number, std = 0.3): void {
  parameters.forEach(([, parameter], i) => {
    tf.tidy(() => parameter.assign(tf.add(parameter.variable, tf.randomNormal(parameter.shape, 0, std, 'float32', seed * 1000 + i))));
  });
}
