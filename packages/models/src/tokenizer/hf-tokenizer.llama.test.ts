/**
 * SentencePiece-style BPE as Llama 2's tokenizer.json has it, over a small
 * vocabulary (test/hf-tokenizer-fixtures.ts): ids derived by hand from the
 * merge order, byte fallback for characters outside the vocabulary.
 */
import { InvalidArgumentError } from '@peftjs/core';
import { LLAMA_CONFIG, LLAMA_IDS, llamaTokenizerJson } from '../../test/hf-tokenizer-fixtures';
import { corpusTexts } from '../../test/corpus-texts';
import { TokenIdOutOfRangeError } from '../errors';
import { HFTokenizer } from './hf-tokenizer';
import { RemappedTokenizer } from './remapped-tokenizer';

const tokenizer = HFTokenizer.fromFiles({ tokenizer: llamaTokenizerJson(), tokenizerConfig: JSON.stringify(LLAMA_CONFIG) });
const byte = (value: number) => 3 + value; // <0x00> is id 3
const { '▁': SPACE, h: H, '▁hello': HELLO, '▁world': WORLD, '▁the': THE } = LLAMA_IDS;

test('special tokens come from the AddedToken objects of tokenizer_config.json', () => {
  expect([tokenizer.bosTokenId, tokenizer.eosTokenId, tokenizer.unkTokenId, tokenizer.padTokenId]).toEqual([1, 2, 0, undefined]);
  expect(tokenizer.specialTokens).toEqual({ bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' });
  expect(tokenizer.vocabSize).toBe(259 + 21);
});

test('merges in rank order give whole words; <s> comes from the post-processor', () => {
  // "hello world" → "▁hello▁world": h+e, l+l, ll+o, ▁+he, ▁he+llo; o+r, ▁+w, ▁w+or, l+d, ▁wor+ld.
  expect(tokenizer.encode('hello world')).toEqual([1, HELLO, WORLD]);
  expect(tokenizer.encode('the world', { addSpecialTokens: false })).toEqual([THE, WORLD]);
  expect(tokenizer.tokenize('the world')).toEqual(['▁the', '▁world']);
  // Two spaces: the first "▁" has no merge with the second.
  expect(tokenizer.encode(' hello', { addSpecialTokens: false })).toEqual([SPACE, HELLO]);
});

test('characters outside the vocabulary fall back to their UTF-8 bytes', () => {
  // é = C3 A9; "z" = 7A; 🙂 = F0 9F 99 82
  expect(tokenizer.encode('hé')).toEqual([1, SPACE, H, byte(0xc3), byte(0xa9)]);
  expect(tokenizer.encode('z', { addSpecialTokens: false })).toEqual([SPACE, byte(0x7a)]);
  expect(tokenizer.encode('🙂', { addSpecialTokens: false })).toEqual([SPACE, byte(0xf0), byte(0x9f), byte(0x99), byte(0x82)]);
  expect(tokenizer.decode([SPACE, byte(0xf0), byte(0x9f), byte(0x99), byte(0x82)])).toBe('🙂');
});

test('decode drops the leading space the normalizer added, and skips <s> on request', () => {
  expect(tokenizer.decode([1, HELLO, WORLD])).toBe('<s> hello world');
  expect(tokenizer.decode([1, HELLO, WORLD], { skipSpecialTokens: true })).toBe('hello world');
  expect(tokenizer.decode([])).toBe('');
});

test('decode(encode(x)) == x, for unicode, emoji, whitespace runs and corpus text', () => {
  const texts = ['hello world', ' leading', 'trailing  ', 'naïve café — 日本語 🙂👍🏽', 'tabs\tand\n\nnew lines\r\n', 'the   world', '', ...corpusTexts(20)];
  for (const text of texts) expect(tokenizer.decode(tokenizer.encode(text), { skipSpecialTokens: true })).toBe(text);
});

test('truncation keeps room for <s>; padding side defaults to the config (left)', () => {
  expect(tokenizer.encode('hello world the', { maxLength: 3 })).toEqual([1, HELLO, WORLD]);
  expect(tokenizer.encode('hello world the', { maxLength: 2, addSpecialTokens: false })).toEqual([HELLO, WORLD]);
  expect(() => tokenizer.encode('hello', { maxLength: 0, addSpecialTokens: false })).toThrow(/maxLength: expected an integer >= 1, found 0/);
  const batch = tokenizer.encodeBatch(['hello world', 'the'], { padTokenId: 2 });
  expect(batch).toEqual({
    inputIds: [
      [1, HELLO, WORLD],
      [2, 1, THE],
    ],
    attentionMask: [
      [1, 1, 1],
      [0, 1, 1],
    ],
  });
  expect(tokenizer.encodeBatch(['the'], { padTokenId: 2, paddingSide: 'right', padding: 'maxLength', maxLength: 4 })).toEqual({
    inputIds: [[1, THE, 2, 2]],
    attentionMask: [[1, 1, 0, 0]],
  });
});

test('padding without a pad token, and ids out of range, are typed errors', () => {
  expect(() => tokenizer.encodeBatch(['hello'])).toThrow(InvalidArgumentError);
  expect(() => tokenizer.encodeBatch(['hello'])).toThrow(/expected a pad token .* found none/);
  expect(() => tokenizer.decode([280])).toThrow(TokenIdOutOfRangeError);
  expect(() => tokenizer.decode([1.5])).toThrow(/expected ids in \[0, 279\], found 1.5/);
});

test('fits the Tokenizer interface: a RemappedTokenizer over it keeps eos and the most frequent ids', () => {
  const remapped = RemappedTokenizer.fromCorpus(tokenizer, ['hello world', 'hello'], 4);
  // Kept: <unk>, eos (2), then by count <s> (1) and ▁hello; ▁world falls to <unk>.
  expect(remapped.toJSON().baseIds).toEqual([-1, 2, 1, HELLO]);
  expect(remapped.encode('hello world')).toEqual([2, 3, 0]);
  expect(remapped.decode([2, 3, 0])).toBe('<s> hello<unk>');
});

test("tokenizer_config.json's add_bos_token / add_eos_token rewrite the post-processor, as transformers does", () => {
  const withFlags = (flags: Record<string, unknown>) => HFTokenizer.fromFiles({ tokenizer: llamaTokenizerJson(), tokenizerConfig: { ...LLAMA_CONFIG, ...flags } });
  const both = withFlags({ add_eos_token: true });
  expect(both.encode('hello world')).toEqual([1, HELLO, WORLD, 2]);
  // Truncation keeps both ends.
  expect(both.encode('hello world', { maxLength: 3 })).toEqual([1, HELLO, 2]);
  expect(withFlags({ add_bos_token: false }).encode('hello world')).toEqual([HELLO, WORLD]);
  // A flag whose token is not set is off; without either flag, tokenizer.json's post-processor stays.
  expect(withFlags({ add_eos_token: true, eos_token: null }).encode('hello')).toEqual([1, HELLO]);
  const { add_bos_token: _bos, add_eos_token: _eos, ...noFlags } = LLAMA_CONFIG;
  expect(HFTokenizer.fromFiles({ tokenizer: llamaTokenizerJson(), tokenizerConfig: noFlags }).encode('hello')).toEqual([1, HELLO]);
  expect(() => withFlags({ add_eos_token: 'yes' })).toThrow(/tokenizer_config.json 'add_eos_token': expected a boolean, found the string 'yes'/);
});

test('the Metaspace pre-tokenizer form (newer Llama/Mistral files): prepend_scheme "first" marks only the first section', () => {
  const metaspace = HFTokenizer.fromFiles({
    tokenizer: { ...llamaTokenizerJson(), normalizer: null, pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false } },
    tokenizerConfig: LLAMA_CONFIG,
  });
  expect(metaspace.encode('hello world')).toEqual([1, HELLO, WORLD]);
  // After the added token </s>, "world" gets no "▁": w + or + ld, since only "▁w" merges with "or".
  const { w: W, or: OR, ld: LD } = LLAMA_IDS;
  expect(metaspace.encode('hello</s>world', { addSpecialTokens: false })).toEqual([HELLO, 2, W, OR, LD]);
  expect(metaspace.decode([HELLO, 2, W, OR, LD])).toBe('hello</s>world');
});
