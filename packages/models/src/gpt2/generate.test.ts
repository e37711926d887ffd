import * as tf from '@tensorflow/tfjs-core';
import { Generator, InvalidArgumentError, manualSeed } from '@peftjs/core';
import { onBackend, TEST_BACKENDS } from '../../test/helpers';
import { TokenIdOutOfRangeError } from '../errors';
import { gpt2Config } from './config';
import { argmax, keepNucleus, positionsFromMask, sample } from './generate';
import { GPT2LMHeadModel } from './lm-head';

function tinyLM(): GPT2LMHeadModel {
  manualSeed(21);
  const config = gpt2Config({ vocabSize: 31, maxPositions: 24, hiddenSize: 16, numLayers: 2, numHeads: 4, eosTokenId: 30, bosTokenId: 30 });
  const model = new GPT2LMHeadModel(config).eval();
  // Larger weights than GPT-2's init give peaked, varied next-token distributions.
  for (const [, p] of model.namedParameters()) p.assign(tf.tidy(() => tf.mul(p.variable, 8)));
  return model;
}

describe.each(TEST_BACKENDS)('generation on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test('greedy: the key/value cache gives exactly the tokens recomputing the whole sequence gives', () => {
    const model = tinyLM();
    const prompt = [[1, 2, 3], [7, 7, 7]];
    const before = tf.memory().numTensors;
    const cached = model.generate(prompt, { maxNewTokens: 10, eosTokenId: null });
    expect(tf.memory().numTensors).toBe(before);
    const uncached = model.generate(prompt, { maxNewTokens: 10, eosTokenId: null, useCache: false });
    expect(cached).toEqual(uncached);
    expect(cached[0].slice(0, 3)).toEqual([1, 2, 3]);
    expect(cached[0]).toHaveLength(13);
    model.dispose();
  });

  test('sampling with a seed is repeatable and the cache does not change it; top-k and temperature apply', () => {
    const model = tinyLM();
    const options = { maxNewTokens: 12, doSample: true, temperature: 1.5, topK: 5, seed: 42, eosTokenId: null } as const;
    const cached = model.generate([[4, 5]], options);
    expect(model.generate([[4, 5]], options)).toEqual(cached);
    expect(model.generate([[4, 5]], { ...options, useCache: false })).toEqual(cached);
    expect(model.generate([[4, 5]], { ...options, seed: 43 })).not.toEqual(cached);
    // topK 1 is greedy whatever the temperature.
    expect(model.generate([[4, 5]], { ...options, topK: 1 })).toEqual(model.generate([[4, 5]], { maxNewTokens: 12, eosTokenId: null }));
    model.dispose();
  });

  test('a left-padded batch gives each row what it gives alone, and finished rows are padded', () => {
    const model = tinyLM();
    const alone = model.generate([[9, 8, 7]], { maxNewTokens: 6, eosTokenId: null });
    const short = model.generate([[5]], { maxNewTokens: 8, eosTokenId: null });
    const batch = model.generate([[9, 8, 7], [0, 0, 5]], { maxNewTokens: 6, eosTokenId: null, attentionMask: [[1, 1, 1], [0, 0, 1]] });
    expect(batch[0]).toEqual(alone[0]);
    expect(batch[1].slice(2)).toEqual(short[0].slice(0, 7));
    // Stop at the first token the unpadded row produces; the other row goes on until all stop.
    const eos = alone[0][3];
    const stopped = model.generate([[9, 8, 7], [0, 0, 5]], { maxNewTokens: 6, eosTokenId: eos, padTokenId: 0, attentionMask: [[1, 1, 1], [0, 0, 1]] });
    expect(stopped[0][3]).toBe(eos);
    expect(stopped[0].slice(4).every((t) => t === 0)).toBe(true);
    model.dispose();
  });
});

describe('generation helpers and bad input', () => {
  beforeAll(() => onBackend('cpu'));

  test('positions of left-padded rows count real tokens only, as Hugging Face computes them', () => {
    expect(positionsFromMask([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]])).toEqual([[1, 1, 0, 1, 2], [0, 1, 2, 3, 4]]);
  });

  test('argmax takes the first maximum; sample follows the softmax of top-k scores', () => {
    expect(argmax([1, 5, 5, 2])).toBe(1);
    const rng = new Generator(0);
    const counts = [0, 0, 0, 0];
    const scores = [Math.log(0.5), Math.log(0.3), Math.log(0.2), -100];
    for (let i = 0; i < 4000; i++) counts[sample(scores, { temperature: 1, topK: 2 }, rng)]++;
    expect(counts[2] + counts[3]).toBe(0);
    expect(counts[0] / 4000).toBeCloseTo(0.5 / 0.8, 1);
  });

  test("top-p keeps transformers' nucleus exactly: tokens go while their cumulative share (ascending) is at most 1 - p", () => {
    const nucleus = (weights: number[], topP: number) => {
      const kept = [...weights];
      keepNucleus(kept, topP);
      return kept.map((w, i) => (w > 0 ? i : -1)).filter((i) => i >= 0);
    };
    const probabilities = [0.15, 0.5, 0.05, 0.3];
    expect(nucleus(probabilities, 0.75)).toEqual([1, 3]); // 0.05, then 0.05 + 0.15 = 0.2 <= 0.25 go
    expect(nucleus(probabilities, 0.9)).toEqual([0, 1, 3]); // only 0.05 <= 0.1 goes
    expect(nucleus(probabilities, 1e-6)).toEqual([1]); // the most likely token always stays
    expect(nucleus(probabilities, 1)).toEqual([0, 1, 2, 3]);
    // Unnormalised weights give the same set.
    expect(nucleus(probabilities.map((p) => p * 7), 0.75)).toEqual([1, 3]);
    // Sampling draws from the renormalised nucleus only.
    const rng = new Generator(3);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[sample(probabilities.map(Math.log), { temperature: 1, topK: 0, topP: 0.75 }, rng)]++;
    expect(counts[0] + counts[2]).toBe(0);
    expect(counts[1] / 4000).toBeCloseTo(0.5 / 0.8, 1);
  });

  test('several eos ids and stop sequences end a row at their first occurrence, kept in the output', () => {
    const model = tinyLM();
    const free = model.generate([[4, 5]], { maxNewTokens: 10, eosTokenId: null })[0];
    const generated = free.slice(2);
    const firstOf = (predicate: (i: number) => boolean) => generated.findIndex((_, i) => predicate(i));
    const a = generated[3];
    const stopAt = firstOf((i) => generated[i] === a || generated[i] === 29);
    expect(model.generate([[4, 5]], { maxNewTokens: 10, eosTokenId: [29, a] })[0]).toEqual(free.slice(0, 2 + stopAt + 1));
    const pair = generated.slice(4, 6);
    const pairEnd = firstOf((i) => i >= 1 && generated[i - 1] === pair[0] && generated[i] === pair[1]);
    expect(model.generate([[4, 5]], { maxNewTokens: 10, eosTokenId: null, stopSequences: [[30, 30, 30], pair] })[0]).toEqual(free.slice(0, 2 + pairEnd + 1));
    model.dispose();
  });

  test('bad options and ids are typed errors', () => {
    const model = tinyLM();
    expect(() => model.generate([[1, 99]], { maxNewTokens: 2 })).toThrow(TokenIdOutOfRangeError);
    expect(() => model.generate([[1, 2], [3]], { maxNewTokens: 2 })).toThrow(/different lengths/);
    expect(() => model.generate([[1]], { maxNewTokens: 2, temperature: 0 })).toThrow(InvalidArgumentError);
    expect(() => model.generate([[1]], { maxNewTokens: 30 })).toThrow(/maxPositions 24/);
    expect(() => model.generate([[1]], { maxNewTokens: 2, topP: 0 })).toThrow(/topP: expected a number in \(0, 1\]/);
    expect(() => model.generate([[1]], { maxNewTokens: 2, topP: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => model.generate([[1]], { maxNewTokens: 2, eosTokenId: [3, 31] })).toThrow(/eosTokenId: expected token ids in \[0, 30\], found 31/);
    expect(() => model.generate([[1]], { maxNewTokens: 2, stopSequences: [[]] })).toThrow(/stopSequences\[0\]/);
    expect(() => model.generate([[1]], { maxNewTokens: 2, stopSequences: Array.from({ length: 65 }, () => [1]) })).toThrow(/at most 64/);
    model.dispose();
  });
});
