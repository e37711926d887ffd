/**
 * The contract between the transformer models and PEFT methods that work on
 * inputs rather than weights (prompt tuning, prefix tuning, P-tuning): what a
 * forward pass accepts and returns, and the config fields those methods read.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@peftjs/core';

/**
 * One layer's attention keys and values, each [batch, numHeads, length, headDim],
 * Hugging Face's legacy cache layout. Prefix tuning passes its virtual tokens
 * here; generation passes the keys and values of the tokens seen so far.
 */
export type KeyValue = {
  readonly key: tf.Tensor;
  readonly value: tf.Tensor;
};

/** One `KeyValue` per layer, layer 0 first. */
export type PastKeyValues = KeyValue[];

export interface TransformerInput {
  /** int32 [batch, seq]. Exactly one of `inputIds` and `inputsEmbeds` is given. */
  readonly inputIds?: tf.Tensor;
  /** float32 [batch, seq, hiddenSize], e.g. soft prompts concatenated before the token embeddings. */
  readonly inputsEmbeds?: tf.Tensor;
  /** [batch, pastLength + seq], 1 where a position may be attended to, 0 for padding. Covers the past too. */
  readonly attentionMask?: tf.Tensor;
  /** int32 [batch, seq]; default pastLength, pastLength + 1, ... as Hugging Face does. */
  readonly positionIds?: tf.Tensor;
  /** Keys and values to prepend in every layer (prefix tuning, generation). */
  readonly pastKeyValues?: readonly KeyValue[];
  /** Return each layer's keys and values, past included, for the next call. */
  readonly useCache?: boolean;
  /** Return the hidden states after the embeddings and after every layer. */
  readonly outputHiddenStates?: boolean;
}

// Outputs are type aliases, not interfaces, so that `tf.dispose(output)` accepts them.
export type TransformerOutput = {
  /** Every `KeyValue` of the call when `useCache` is set (past and new tokens). */
  readonly pastKeyValues?: PastKeyValues;
  /** numLayers + 1 tensors [batch, seq, hiddenSize] when `outputHiddenStates` is set; the last is the final output. */
  readonly hiddenStates?: tf.Tensor[];
};

export type BaseModelOutput = TransformerOutput & {
  /** [batch, seq, hiddenSize]. */
  readonly lastHiddenState: tf.Tensor;
};

export type LogitsOutput = TransformerOutput & {
  /** [batch, seq, vocabSize] for language models, [batch, numLabels] for classifiers. */
  readonly logits: tf.Tensor;
};

/** The config fields prompt-learning methods need, under the same names on every architecture. */
export interface TransformerDims {
  readonly numLayers: number;
  readonly numHeads: number;
  readonly hiddenSize: number;
  readonly vocabSize: number;
  readonly maxPositions: number;
  /** Grouped-query attention (Llama family): heads of the keys and values, so of every `KeyValue`; default numHeads. */
  readonly numKeyValueHeads?: number;
  /** Width of one head where the config gives it explicitly (Gemma, Qwen3); default hiddenSize / numHeads. */
  readonly headDim?: number;
}

/** What a prompt-tuning method can rely on: the dims, the token embedding and the forward contract. */
export interface TransformerModel<Out extends TransformerOutput = LogitsOutput> {
  readonly config: TransformerDims;
  /** The token embedding module: ids [batch, seq] -> [batch, seq, hiddenSize]. */
  getInputEmbeddings(): Module<tf.Tensor, tf.Tensor>;
  call(input: TransformerInput): Out;
}

/** What a layer (and its attention) receives: the hidden states, the mask bias, and this layer's past. */
export interface AttentionInput {
  readonly hiddenStates: tf.Tensor;
  /** Additive causal + padding bias, [batch or 1, 1, seq, pastLength + seq]. */
  readonly bias?: tf.Tensor;
  readonly past?: KeyValue;
  readonly useCache: boolean;
}

export interface AttentionOutput {
  readonly hiddenStates: tf.Tensor;
  /** This layer's keys and values, past included, when `useCache` is set. */
  readonly present?: KeyValue;
}
