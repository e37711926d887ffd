import { bertConfig, bertConfigFromHF, bertConfigToHF, robertaConfig, robertaConfigFromHF, robertaConfigToHF } from '../bert/config';
import { distilBertConfig, distilBertConfigFromHF, distilBertConfigToHF } from '../bert/distilbert-config';
import { ModelConfigError } from '../errors';
import { gpt2Config, gpt2ConfigFromHF, gpt2ConfigToHF } from '../gpt2/config';

test('configs round-trip through Hugging Face config.json fields', () => {
  const gpt2 = gpt2Config({ hiddenSize: 64, numHeads: 4, numLayers: 3, innerSize: 100, numLabels: 5, padTokenId: 7, eosTokenId: undefined });
  expect(gpt2ConfigFromHF(JSON.stringify(gpt2ConfigToHF(gpt2)))).toEqual(gpt2);
  const bert = bertConfig({ hiddenSize: 32, numHeads: 2, classifierDropout: 0.3, numLabels: 4 });
  expect(bertConfigFromHF(bertConfigToHF(bert))).toEqual(bert);
  const roberta = robertaConfig({ maxPositions: 514, typeVocabSize: 1, layerNormEps: 1e-5, numLabels: 3 });
  expect(robertaConfigFromHF(robertaConfigToHF(roberta))).toEqual(roberta);
  const distilbert = distilBertConfig({ hiddenSize: 32, numHeads: 4, intermediateSize: 37, numLayers: 3, hiddenDropout: 0.05, padTokenId: 3 });
  expect(distilBertConfigFromHF(JSON.stringify(distilBertConfigToHF(distilbert)))).toEqual(distilbert);
});

test("RoBERTa and DistilBERT defaults are their Hugging Face config classes'; DistilBERT's keys are its own", () => {
  expect(robertaConfigFromHF({})).toMatchObject({ vocabSize: 50265, padTokenId: 1, maxPositions: 512, typeVocabSize: 2, layerNormEps: 1e-12 });
  expect(distilBertConfigFromHF({})).toMatchObject({ vocabSize: 30522, hiddenSize: 768, numLayers: 6, numHeads: 12, intermediateSize: 3072, classifierDropout: 0.2, typeVocabSize: 0 });
  const config = distilBertConfigFromHF({ dim: 16, n_heads: 2, n_layers: 1, hidden_dim: 24, activation: 'relu', dropout: 0.2, attention_dropout: 0.3, seq_classif_dropout: 0.4, max_position_embeddings: 64, vocab_size: 100, pad_token_id: 0 });
  expect(config).toMatchObject({ hiddenSize: 16, numHeads: 2, numLayers: 1, intermediateSize: 24, activation: 'relu', hiddenDropout: 0.2, attentionDropout: 0.3, classifierDropout: 0.4, maxPositions: 64, vocabSize: 100 });
  // BERT's key names mean nothing to DistilBertConfig.
  expect(distilBertConfigFromHF({ hidden_size: 16 }).hiddenSize).toBe(768);
  expect(() => distilBertConfigFromHF({ model_type: 'bert' })).toThrow(/model_type/);
  expect(() => robertaConfigFromHF({ model_type: 'distilbert' })).toThrow(/model_type/);
});

test('Hugging Face defaults: null means "default" for sizes and "none" for token ids; labels come from id2label', () => {
  const config = gpt2ConfigFromHF({ n_embd: 16, n_head: 2, n_inner: null, eos_token_id: null, id2label: { 0: 'a', 1: 'b', 2: 'c' } });
  expect(config.innerSize).toBe(64);
  expect(config.eosTokenId).toBeUndefined();
  expect(config.bosTokenId).toBe(50256);
  expect(config.numLabels).toBe(3);
  expect(bertConfigFromHF({ classifier_dropout: null, hidden_dropout_prob: 0.2 }).classifierDropout).toBe(0.2);
  expect(() => gpt2ConfigFromHF({ n_embd: 16, n_head: 3 })).toThrow(ModelConfigError);
  expect(() => gpt2ConfigFromHF({ resid_pdrop: 1.5 })).toThrow("config 'resid_pdrop': expected a number in [0, 1), found 1.5");
  expect(() => bertConfigFromHF({ model_type: 'gpt2' })).toThrow(/model_type/);
});
