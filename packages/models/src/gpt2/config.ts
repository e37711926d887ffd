/**
 * GPT-2's configuration under peftjs' camelCase names, with Hugging Face's
 * defaults, and the mapping to and from `config.json` (its snake_case fields).
 */
import { ModelConfigError } from '../errors';
import {
  activationName,
  checkHeads,
  configObject,
  flag,
  labelCount,
  optionalTokenId,
  positiveInteger,
  positiveNumber,
  probability,
  readFields,
  readTokenIds,
  type JsonObject,
} from '../transformer/config-fields';
import type { TransformerDims } from '../transformer/types';

export interface GPT2Config extends TransformerDims {
  /** Feed-forward width (`n_inner`, default 4 * hiddenSize). */
  readonly innerSize: number;
  /** `activation_function`, a name `getActivation` knows (GPT-2: gelu_new). */
  readonly activation: string;
  readonly embdDropout: number;
  readonly attnDropout: number;
  readonly residDropout: number;
  readonly layerNormEps: number;
  /** Divide attention scores by sqrt(headDim). */
  readonly scaleAttnWeights: boolean;
  /** Further divide layer i's scores by i + 1. */
  readonly scaleAttnByInverseLayerIdx: boolean;
  /** Outputs of GPT2ForSequenceClassification. */
  readonly numLabels: number;
  /** Finds the last real token for sequence classification; GPT-2 itself has none. */
  readonly padTokenId?: number;
  readonly bosTokenId?: number;
  readonly eosTokenId?: number;
}

/** The `gpt2` checkpoint's sizes with Hugging Face's defaults; override what you need. */
export function gpt2Config(overrides: Partial<GPT2Config> = {}): GPT2Config {
  const hiddenSize = overrides.hiddenSize ?? 768;
  const config: GPT2Config = {
    vocabSize: 50257,
    maxPositions: 1024,
    numLayers: 12,
    numHeads: 12,
    activation: 'gelu_new',
    embdDropout: 0.1,
    attnDropout: 0.1,
    residDropout: 0.1,
    layerNormEps: 1e-5,
    scaleAttnWeights: true,
    scaleAttnByInverseLayerIdx: false,
    numLabels: 2,
    bosTokenId: 50256,
    eosTokenId: 50256,
    ...overrides,
    hiddenSize,
    innerSize: overrides.innerSize ?? 4 * hiddenSize,
  };
  validateGPT2Config(config);
  return config;
}

function validateGPT2Config(c: GPT2Config): void {
  for (const field of ['vocabSize', 'maxPositions', 'numLayers', 'numHeads', 'hiddenSize', 'innerSize', 'numLabels'] as const) {
    positiveInteger(c[field], field);
  }
  for (const field of ['embdDropout', 'attnDropout', 'residDropout'] as const) probability(c[field], field);
  positiveNumber(c.layerNormEps, 'layerNormEps');
  activationName(c.activation, 'activation');
  checkHeads(c.hiddenSize, c.numHeads, 'numHeads');
  for (const field of ['padTokenId', 'bosTokenId', 'eosTokenId'] as const) optionalTokenId(c[field], field);
}

/** A GPT-2 config from Hugging Face `config.json` (text or parsed). */
export function gpt2ConfigFromHF(json: string | JsonObject): GPT2Config {
  const hf = configObject(json);
  if (hf.model_type !== undefined && hf.model_type !== 'gpt2') throw new ModelConfigError('model_type', "'gpt2'", hf.model_type);
  if (hf.add_cross_attention === true) throw new ModelConfigError('add_cross_attention', 'false (cross-attention is not implemented)', true);
  const fields = readFields<GPT2Config>(hf, {
    vocabSize: ['vocab_size', positiveInteger],
    maxPositions: ['n_positions', positiveInteger],
    hiddenSize: ['n_embd', positiveInteger],
    numLayers: ['n_layer', positiveInteger],
    numHeads: ['n_head', positiveInteger],
    innerSize: ['n_inner', positiveInteger],
    activation: ['activation_function', activationName],
    embdDropout: ['embd_pdrop', probability],
    attnDropout: ['attn_pdrop', probability],
    residDropout: ['resid_pdrop', probability],
    layerNormEps: ['layer_norm_epsilon', positiveNumber],
    scaleAttnWeights: ['scale_attn_weights', flag],
    scaleAttnByInverseLayerIdx: ['scale_attn_by_inverse_layer_idx', flag],
  });
  const tokens = readTokenIds(hf, { padTokenId: 'pad_token_id', bosTokenId: 'bos_token_id', eosTokenId: 'eos_token_id' });
  const numLabels = labelCount(hf);
  return gpt2Config({ ...fields, ...tokens, ...(numLabels === undefined ? {} : { numLabels }) });
}

/** The config as Hugging Face `config.json` fields. */
export function gpt2ConfigToHF(c: GPT2Config): JsonObject {
  return {
    model_type: 'gpt2',
    vocab_size: c.vocabSize,
    n_positions: c.maxPositions,
    n_embd: c.hiddenSize,
    n_layer: c.numLayers,
    n_head: c.numHeads,
    n_inner: c.innerSize === 4 * c.hiddenSize ? null : c.innerSize,
    activation_function: c.activation,
    embd_pdrop: c.embdDropout,
    attn_pdrop: c.attnDropout,
    resid_pdrop: c.residDropout,
    layer_norm_epsilon: c.layerNormEps,
    scale_attn_weights: c.scaleAttnWeights,
    scale_attn_by_inverse_layer_idx: c.scaleAttnByInverseLayerIdx,
    id2label: Object.fromEntries(Array.from({ length: c.numLabels }, (_, i) => [String(i), `LABEL_${i}`])),
    pad_token_id: c.padTokenId ?? null,
    bos_token_id: c.bosTokenId ?? null,
    eos_token_id: c.eosTokenId ?? null,
  };
}
