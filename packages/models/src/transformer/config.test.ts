import { bertConfig, bertConfigFromHF, bertConfigToHF } from '../bert/config';
import { ModelConfigError } from '../errors';
import { gpt2Config, gpt2ConfigFromHF, gpt2ConfigToHF } from '../gpt2/config';

test('configs round-trip through Hugging Face config.json fields', () => {
  const gpt2 = gpt2Config({ hiddenSize: 64, numHeads: 4, numLayers: 3, innerSize: 100, numLabels: 5, padTokenId: 7, eosTokenId: undefined });
  expect(gpt2ConfigFromHF(JSON.stringify(gpt2ConfigToHF(gpt2)))).toEqual(gpt2);
  const bert = bertConfig({ hiddenSize: 32, numHeads: 2, classifierDropout: 0.3, numLabels: 4 });
  expect(bertConfigFromHF(bertConfigToHF(bert))).toEqual(bert);
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
