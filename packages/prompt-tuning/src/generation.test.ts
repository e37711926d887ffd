/**
 * Generation with a prompt: @peftjs/models' generate, with and without the
 * key/value cache, must give the same tokens. With the cache only the first
 * call sees the virtual tokens; later calls continue from a cache that holds
 * them, so the mask and positions must account for them exactly as the
 * uncached calls, which prepend them every time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getPeftModel } from '@peftjs/core';
import { generate } from '@peftjs/models';
import { MAX_POSITIONS, onBackend, perturb, sharpen, tinyLM } from '../test/helpers';
import { PromptTooLongError } from './errors';
import { generationModel } from './shared/generation';

const METHODS = [
  ['PROMPT_TUNING', { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 4 }],
  ['PREFIX_TUNING', { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 4 }],
  ['P_TUNING (LSTM, training form)', { peft_type: 'P_TUNING', num_virtual_tokens: 4, encoder_reparameterization_type: 'LSTM', encoder_hidden_size: 8 }],
] as const;

describe.each(['cpu', 'wasm'] as const)('generation with a prompt on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test.each(METHODS)('%s: the key/value cache gives the tokens recomputing everything gives, and a padded row what it gives alone', (_, config) => {
    const model = getPeftModel(sharpen(tinyLM(), 6), config);
    perturb(model, 'default', 1);
    const lm = generationModel(model);
    expect(lm.config.maxPositions).toBe(MAX_POSITIONS - 4);
    const before = tf.memory().numTensors;
    const cached = generate(lm, [[1, 2, 3], [7, 7, 7]], { maxNewTokens: 8, eosTokenId: null });
    expect(tf.memory().numTensors).toBe(before);
    const uncached = generate(lm, [[1, 2, 3], [7, 7, 7]], { maxNewTokens: 8, eosTokenId: null, useCache: false });
    expect(cached).toEqual(uncached);
    // The prompt matters: without it the continuation differs.
    const plain = model.disableAdapters(() => generate(lm, [[1, 2, 3], [7, 7, 7]], { maxNewTokens: 8, eosTokenId: null }));
    expect(plain).not.toEqual(cached);
    const padded = generate(lm, [[1, 2, 3], [0, 0, 5]], { maxNewTokens: 6, eosTokenId: null, attentionMask: [[1, 1, 1], [0, 0, 1]] });
    const alone = generate(lm, [[5]], { maxNewTokens: 6, eosTokenId: null });
    expect(padded[1].slice(2)).toEqual(alone[0]);
    model.dispose();
  });
});

test('a generation that would run past the context with the virtual tokens is a typed error, and leaks nothing', async () => {
  await onBackend('cpu');
  const model = getPeftModel(tinyLM(), { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 25 });
  const before = tf.memory().numTensors;
  // generate's own check counts the virtual tokens through generationModel...
  expect(() => generate(generationModel(model), [[1, 2, 3]], { maxNewTokens: 6 })).toThrow(/maxPositions 7/);
  // ...and the prompt's forward pass checks every call.
  const lm = { config: { vocabSize: 23 }, call: (input: never) => model.call(input) };
  for (const useCache of [true, false]) {
    expect(() => generate(lm, [[1, 2, 3]], { maxNewTokens: 6, eosTokenId: null, useCache })).toThrow(PromptTooLongError);
  }
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
});
