import { InvalidArgumentError } from '@peftjs/core';
import { TokenIdOutOfRangeError } from '../errors';
import { GPT2Tokenizer } from './gpt2-tokenizer';
import { RemappedTokenizer } from './remapped-tokenizer';

const tokenizer = new GPT2Tokenizer();

test('GPT-2 BPE gives Hugging Face GPT-2 ids offline, and round-trips', () => {
  // Ids from Hugging Face's GPT2TokenizerFast for the same strings.
  expect(tokenizer.encode('Hello world')).toEqual([15496, 995]);
  expect(tokenizer.encode(' the<|endoftext|>')).toEqual([262, 50256]);
  expect(tokenizer.encode('<|endoftext|>', { allowSpecial: false })).not.toEqual([50256]);
  for (const text of ['Parameter-efficient fine-tuning, in TypeScript!', 'naïve café — 日本語 🙂\n\ttabs', '']) {
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  }
  expect(tokenizer.vocabSize).toBe(50257);
  expect(() => tokenizer.decode([50257])).toThrow(TokenIdOutOfRangeError);
  expect(() => tokenizer.decode([-1])).toThrow(/expected ids in \[0, 50256\], found -1/);
});

test('a remapped vocabulary keeps the most frequent ids, maps the rest to <unk>, and round-trips what it knows', () => {
  const corpus = ['the cat sat on the mat', 'the dog sat on the log', 'a cat and a dog'];
  const small = RemappedTokenizer.fromCorpus(tokenizer, corpus, 8);
  expect(small.vocabSize).toBe(8);
  expect(small.unkTokenId).toBe(0);
  expect(small.eosTokenId).toBe(1);
  // ' the' (3 times) is the most frequent, right after <unk> and the kept end-of-text.
  expect(small.encode(' the')).toEqual([2]);
  const ids = small.encode('the cat sat on the mat');
  expect(ids.every((id) => id >= 0 && id < 8)).toBe(true);
  expect(small.decode(small.encode(' sat on the'))).toBe(' sat on the');
  expect(tokenizer.encode(' house')).toHaveLength(1);
  expect(small.decode(small.encode(' sat on the house'))).toBe(' sat on the<unk>');
  expect(small.encode('<|endoftext|>')).toEqual([1]);
  expect(() => small.decode([8])).toThrow(TokenIdOutOfRangeError);
  // The mapping is data: saved and restored, it encodes the same.
  const restored = RemappedTokenizer.fromJSON(tokenizer, JSON.parse(JSON.stringify(small)));
  expect(restored.encode('a dog and a cat')).toEqual(small.encode('a dog and a cat'));
  expect(() => RemappedTokenizer.fromCorpus(tokenizer, corpus, 1)).toThrow(InvalidArgumentError);
  expect(() => RemappedTokenizer.fromJSON(tokenizer, { baseIds: [5, 6], unkText: '?' })).toThrow(InvalidArgumentError);
});

test('multi-byte characters split over byte-level tokens decode whole after remapping', () => {
  const text = '日本語 🙂 日本語';
  const small = RemappedTokenizer.fromCorpus(tokenizer, [text], 64);
  expect(small.decode(small.encode(text))).toBe(text);
});
