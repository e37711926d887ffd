/**
 * The configuration of BERT-style encoders (BERT, RoBERTa, DistilBERT) under
 * peftjs' camelCase names, with Hugging Face's defaults (bert-base-uncased
 * sizes), and the mapping to and from BERT's and RoBERTa's `config.json`
 * (DistilBERT's names its fields differently: see distilbert-config.ts).
 */
import { ModelConfigError } from '../errors';
import {
  activationName,
  checkHeads,
  configObject,
  labelCount,
  nonNegativeInteger,
  optionalTokenId,
  positiveInteger,
  positiveNumber,
  probability,
  readFields,
  readTokenIds,
  type JsonObject,
} from '../transformer/config-fields';
import type { TransformerDims } from '../transformer/types';

export interface BertConfig extends TransformerDims {
  readonly intermediateSize: number;
  /** `hidden_act`, a name `getActivation` knows (BERT: gelu, the erf form). */
  readonly activation: string;
  readonly hiddenDropout: number;
  readonly attentionDropout: number;
  /** Dropout before the classifier; Hugging Face falls back to hiddenDropout. */
  readonly classifierDropout: number;
  /** Segment vocabulary; 0 builds no `token_type_embeddings` (DistilBERT). */
  readonly typeVocabSize: number;
  readonly layerNormEps: number;
  /** RoBERTa numbers positions after it, so its models need one. */
  readonly padTokenId?: number;
  readonly numLabels: number;
}

export function bertConfig(overrides: Partial<BertConfig> = {}): BertConfig {
  const hiddenDropout = overrides.hiddenDropout ?? 0.1;
  const config: BertConfig = {
    vocabSize: 30522,
    hiddenSize: 768,
    numLayers: 12,
    numHeads: 12,
    intermediateSize: 3072,
    activation: 'gelu',
    attentionDropout: 0.1,
    maxPositions: 512,
    typeVocabSize: 2,
    layerNormEps: 1e-12,
    padTokenId: 0,
    numLabels: 2,
    ...overrides,
    hiddenDropout,
    classifierDropout: overrides.classifierDropout ?? hiddenDropout,
  };
  for (const field of ['vocabSize', 'hiddenSize', 'numLayers', 'numHeads', 'intermediateSize', 'maxPositions', 'numLabels'] as const) {
    positiveInteger(config[field], field);
  }
  nonNegativeInteger(config.typeVocabSize, 'typeVocabSize');
  for (const field of ['hiddenDropout', 'attentionDropout', 'classifierDropout'] as const) probability(config[field], field);
  positiveNumber(config.layerNormEps, 'layerNormEps');
  activationName(config.activation, 'activation');
  checkHeads(config.hiddenSize, config.numHeads, 'numHeads');
  optionalTokenId(config.padTokenId, 'padTokenId');
  return config;
}

/** RobertaConfig's defaults (roberta-base's config.json sets 514 positions, 1 segment, eps 1e-5 explicitly). */
export function robertaConfig(overrides: Partial<BertConfig> = {}): BertConfig {
  return bertConfig({ vocabSize: 50265, padTokenId: 1, ...overrides });
}

/** A BERT config from Hugging Face `config.json` (text or parsed). */
export function bertConfigFromHF(json: string | JsonObject): BertConfig {
  return bertStyleConfigFromHF(json, 'bert', bertConfig);
}

/** A RoBERTa config from Hugging Face `config.json`: BERT's fields, RobertaConfig's defaults. */
export function robertaConfigFromHF(json: string | JsonObject): BertConfig {
  return bertStyleConfigFromHF(json, 'roberta', robertaConfig);
}

function bertStyleConfigFromHF(json: string | JsonObject, modelType: 'bert' | 'roberta', defaults: (overrides: Partial<BertConfig>) => BertConfig): BertConfig {
  const hf = configObject(json);
  if (hf.model_type !== undefined && hf.model_type !== modelType) throw new ModelConfigError('model_type', `'${modelType}'`, hf.model_type);
  if (hf.position_embedding_type !== undefined && hf.position_embedding_type !== 'absolute') {
    throw new ModelConfigError('position_embedding_type', "'absolute' (relative position embeddings are not implemented)", hf.position_embedding_type);
  }
  if (hf.is_decoder === true || hf.add_cross_attention === true) {
    throw new ModelConfigError(hf.is_decoder === true ? 'is_decoder' : 'add_cross_attention', `false (${modelType} is built as an encoder)`, true);
  }
  const fields = readFields<BertConfig>(hf, {
    vocabSize: ['vocab_size', positiveInteger],
    hiddenSize: ['hidden_size', positiveInteger],
    numLayers: ['num_hidden_layers', positiveInteger],
    numHeads: ['num_attention_heads', positiveInteger],
    intermediateSize: ['intermediate_size', positiveInteger],
    activation: ['hidden_act', activationName],
    hiddenDropout: ['hidden_dropout_prob', probability],
    attentionDropout: ['attention_probs_dropout_prob', probability],
    classifierDropout: ['classifier_dropout', probability],
    maxPositions: ['max_position_embeddings', positiveInteger],
    typeVocabSize: ['type_vocab_size', positiveInteger],
    layerNormEps: ['layer_norm_eps', positiveNumber],
  });
  const numLabels = labelCount(hf);
  return defaults({ ...fields, ...readTokenIds(hf, { padTokenId: 'pad_token_id' }), ...(numLabels === undefined ? {} : { numLabels }) });
}

/** The config as Hugging Face BERT `config.json` fields. */
export function bertConfigToHF(c: BertConfig): JsonObject {
  return bertStyleConfigToHF(c, 'bert');
}

/** The config as Hugging Face RoBERTa `config.json` fields. */
export function robertaConfigToHF(c: BertConfig): JsonObject {
  return bertStyleConfigToHF(c, 'roberta');
}

function bertStyleConfigToHF(c: BertConfig, modelType: 'bert' | 'roberta'): JsonObject {
  return {
    model_type: modelType,
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    intermediate_size: c.intermediateSize,
    hidden_act: c.activation,
    hidden_dropout_prob: c.hiddenDropout,
    attention_probs_dropout_prob: c.attentionDropout,
    classifier_dropout: c.classifierDropout === c.hiddenDropout ? null : c.classifierDropout,
    max_position_embeddings: c.maxPositions,
    type_vocab_size: c.typeVocabSize,
    layer_norm_eps: c.layerNormEps,
    pad_token_id: c.padTokenId ?? null,
    position_embedding_type: 'absolute',
    id2label: labels(c.numLabels),
  };
}

/** `id2label` as Hugging Face writes it for unnamed labels: its size is the label count. */
export function labels(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [String(i), `LABEL_${i}`]));
}
