/**
 * BERT's configuration under peftjs' camelCase names, with Hugging Face's
 * defaults (bert-base-uncased sizes), and the mapping to and from `config.json`.
 */
import { ModelConfigError } from '../errors';
import {
  activationName,
  checkHeads,
  configObject,
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

export interface BertConfig extends TransformerDims {
  readonly intermediateSize: number;
  /** `hidden_act`, a name `getActivation` knows (BERT: gelu, the erf form). */
  readonly activation: string;
  readonly hiddenDropout: number;
  readonly attentionDropout: number;
  /** Dropout before the classifier; Hugging Face falls back to hiddenDropout. */
  readonly classifierDropout: number;
  readonly typeVocabSize: number;
  readonly layerNormEps: number;
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
  for (const field of ['vocabSize', 'hiddenSize', 'numLayers', 'numHeads', 'intermediateSize', 'maxPositions', 'typeVocabSize', 'numLabels'] as const) {
    positiveInteger(config[field], field);
  }
  for (const field of ['hiddenDropout', 'attentionDropout', 'classifierDropout'] as const) probability(config[field], field);
  positiveNumber(config.layerNormEps, 'layerNormEps');
  activationName(config.activation, 'activation');
  checkHeads(config.hiddenSize, config.numHeads, 'numHeads');
  optionalTokenId(config.padTokenId, 'padTokenId');
  return config;
}

/** A BERT config from Hugging Face `config.json` (text or parsed). */
export function bertConfigFromHF(json: string | JsonObject): BertConfig {
  const hf = configObject(json);
  if (hf.model_type !== undefined && hf.model_type !== 'bert') throw new ModelConfigError('model_type', "'bert'", hf.model_type);
  if (hf.position_embedding_type !== undefined && hf.position_embedding_type !== 'absolute') {
    throw new ModelConfigError('position_embedding_type', "'absolute' (relative position embeddings are not implemented)", hf.position_embedding_type);
  }
  if (hf.is_decoder === true || hf.add_cross_attention === true) {
    throw new ModelConfigError(hf.is_decoder === true ? 'is_decoder' : 'add_cross_attention', 'false (BERT is built as an encoder)', true);
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
  return bertConfig({ ...fields, ...readTokenIds(hf, { padTokenId: 'pad_token_id' }), ...(numLabels === undefined ? {} : { numLabels }) });
}

/** The config as Hugging Face `config.json` fields. */
export function bertConfigToHF(c: BertConfig): JsonObject {
  return {
    model_type: 'bert',
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
    id2label: Object.fromEntries(Array.from({ length: c.numLabels }, (_, i) => [String(i), `LABEL_${i}`])),
  };
}
