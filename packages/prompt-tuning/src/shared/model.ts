/**
 * What prompt learning needs of a base model, checked structurally so that this
 * package depends on core alone: @peftjs/models' GPT-2 and BERT fit (their
 * `TransformerModel` contract), and so does any model with the same shape.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { AnyModule, Module } from '@peftjs/core';
import { UnsupportedModelError } from '../errors';

/** The config fields every method reads, under @peftjs/models' names. */
export interface TransformerDims {
  readonly numLayers: number;
  readonly numHeads: number;
  readonly hiddenSize: number;
  readonly vocabSize: number;
  readonly maxPositions: number;
  /** Grouped-query attention (Llama family): heads of the keys and values; default numHeads. */
  readonly numKeyValueHeads?: number;
  /** Width of one head when a config gives it explicitly (Gemma, Qwen3); default hiddenSize / numHeads. */
  readonly headDim?: number;
}

/** How a layer's past keys and values are laid out: [batch, heads, length, headDim]. */
export interface KeyValueLayout {
  readonly numLayers: number;
  readonly heads: number;
  readonly headDim: number;
}

/**
 * The layout of the keys and values a model attends to. With grouped-query
 * attention these have numKeyValueHeads heads, which is what peft's prefix
 * tuning builds (its `_prepare_prompt_learning_config`: token_dim becomes
 * hidden / heads * kv_heads, num_attention_heads becomes kv_heads).
 */
export function keyValueLayout(dims: TransformerDims): KeyValueLayout {
  return {
    numLayers: dims.numLayers,
    heads: dims.numKeyValueHeads ?? dims.numHeads,
    headDim: dims.headDim ?? dims.hiddenSize / dims.numHeads,
  };
}

/** A model prompts can be prepended to: its dims and its token embedding. */
export interface PromptableModel {
  readonly config: TransformerDims;
  /** ids [batch, seq] -> [batch, seq, hiddenSize]. Read on every call, so a LoRA-wrapped embedding is used. */
  getInputEmbeddings(): Module<tf.Tensor, tf.Tensor>;
}

const DIM_NAMES = ['numLayers', 'numHeads', 'hiddenSize', 'vocabSize', 'maxPositions'] as const;
const OPTIONAL_DIM_NAMES = ['numKeyValueHeads', 'headDim'] as const;

function describeModel(model: AnyModule): string {
  return model?.constructor?.name ?? typeof model;
}

/** The model's dims, or a typed error naming the first missing one. */
export function transformerDims(model: AnyModule, method: string): TransformerDims {
  const config = (model as unknown as { config?: Record<string, unknown> }).config;
  for (const name of DIM_NAMES) {
    const value = config?.[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new UnsupportedModelError(
        `${method}: expected a transformer whose \`config\` has positive integer ${DIM_NAMES.join(', ')} ` +
          `(a TransformerModel from @peftjs/models), found ${describeModel(model)} with config.${name} = ${JSON.stringify(value)}`,
      );
    }
  }
  for (const name of OPTIONAL_DIM_NAMES) {
    const value = config?.[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)) {
      throw new UnsupportedModelError(`${method}: expected config.${name} to be absent or a positive integer, found ${JSON.stringify(value)}`);
    }
  }
  const dims = config as unknown as TransformerDims;
  if (dims.headDim === undefined && dims.hiddenSize % dims.numHeads !== 0) {
    throw new UnsupportedModelError(`${method}: expected hiddenSize divisible by numHeads, found ${dims.hiddenSize} and ${dims.numHeads}`);
  }
  if (dims.numKeyValueHeads !== undefined && dims.numHeads % dims.numKeyValueHeads !== 0) {
    throw new UnsupportedModelError(
      `${method}: expected numHeads divisible by numKeyValueHeads (grouped-query attention), found ${dims.numHeads} and ${dims.numKeyValueHeads}`,
    );
  }
  return dims;
}

/** For methods that prepend to the input embeddings: the model must expose them. */
export function requirePromptableModel(model: AnyModule, method: string): PromptableModel {
  transformerDims(model, method);
  if (typeof (model as unknown as Partial<PromptableModel>).getInputEmbeddings !== 'function') {
    throw new UnsupportedModelError(
      `${method}: expected a model with getInputEmbeddings() (it prepends virtual tokens to the input embeddings), found ${describeModel(model)} without it`,
    );
  }
  return model as unknown as PromptableModel;
}
