/**
 * DistilBERT's configuration: a BertConfig (same encoder) read from and written
 * to DistilBertConfig's own `config.json` names (`dim`, `n_layers`, `n_heads`,
 * `hidden_dim`, `activation`, `dropout`, `seq_classif_dropout`, ...). DistilBERT
 * has no segments (`typeVocabSize` 0) and fixes its LayerNorm eps at 1e-12.
 */
import { ModelConfigError } from '../errors';
import { activationName, configObject, labelCount, positiveInteger, probability, readFields, readTokenIds, type JsonObject } from '../transformer/config-fields';
import { bertConfig, labels, type BertConfig } from './config';

/** DistilBertConfig's defaults (distilbert-base-uncased sizes). */
export function distilBertConfig(overrides: Partial<Omit<BertConfig, 'typeVocabSize' | 'layerNormEps'>> = {}): BertConfig {
  return bertConfig({ numLayers: 6, classifierDropout: 0.2, ...overrides, typeVocabSize: 0, layerNormEps: 1e-12 });
}

/** A DistilBERT config from Hugging Face `config.json` (text or parsed). */
export function distilBertConfigFromHF(json: string | JsonObject): BertConfig {
  const hf = configObject(json);
  if (hf.model_type !== undefined && hf.model_type !== 'distilbert') throw new ModelConfigError('model_type', "'distilbert'", hf.model_type);
  if (hf.sinusoidal_pos_embds === true) {
    throw new ModelConfigError('sinusoidal_pos_embds', 'false (fixed sinusoidal position embeddings are not implemented)', true);
  }
  const fields = readFields<BertConfig>(hf, {
    vocabSize: ['vocab_size', positiveInteger],
    hiddenSize: ['dim', positiveInteger],
    numLayers: ['n_layers', positiveInteger],
    numHeads: ['n_heads', positiveInteger],
    intermediateSize: ['hidden_dim', positiveInteger],
    activation: ['activation', activationName],
    hiddenDropout: ['dropout', probability],
    attentionDropout: ['attention_dropout', probability],
    classifierDropout: ['seq_classif_dropout', probability],
    maxPositions: ['max_position_embeddings', positiveInteger],
  });
  const numLabels = labelCount(hf);
  return distilBertConfig({ ...fields, ...readTokenIds(hf, { padTokenId: 'pad_token_id' }), ...(numLabels === undefined ? {} : { numLabels }) });
}

/** The config as Hugging Face DistilBERT `config.json` fields. */
export function distilBertConfigToHF(c: BertConfig): JsonObject {
  return {
    model_type: 'distilbert',
    vocab_size: c.vocabSize,
    dim: c.hiddenSize,
    n_layers: c.numLayers,
    n_heads: c.numHeads,
    hidden_dim: c.intermediateSize,
    activation: c.activation,
    dropout: c.hiddenDropout,
    attention_dropout: c.attentionDropout,
    seq_classif_dropout: c.classifierDropout,
    max_position_embeddings: c.maxPositions,
    sinusoidal_pos_embds: false,
    pad_token_id: c.padTokenId ?? null,
    id2label: labels(c.numLabels),
  };
}
