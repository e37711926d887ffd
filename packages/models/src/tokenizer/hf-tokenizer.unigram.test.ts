/**
 * T5's layout (Unigram, WhitespaceSplit + Metaspace, `</s>` appended by
 * TemplateProcessing): the most likely segmentation by piece scores.
 */
import { HFTokenizer } from './hf-tokenizer';
import { TokenizerFormatError } from './tokenizer-errors';

const PIECES: Array<[string, number]> = [
  ['<pad>', 0],
  ['</s>', 0],
  ['<unk>', 0],
  ['▁hello', -1],
  ['▁world', -1.5],
  ['▁', -2],
  ['h', -3],
  ['e', -3],
  ['l', -3],
  ['o', -3],
  ['▁he', -2.5],
  ['llo', -2.5],
];
const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
const json = (vocab: unknown) => ({
  version: '1.0',
  added_tokens: [special(0, '<pad>'), special(1, '</s>'), special(2, '<unk>')],
  normalizer: null,
  pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }] },
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
    pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
    special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
  },
  decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
  model: { type: 'Unigram', unk_id: 2, vocab, byte_fallback: false },
});
const tokenizer = HFTokenizer.fromFiles({ tokenizer: json(PIECES), tokenizerConfig: { eos_token: '</s>', unk_token: '<unk>', pad_token: '<pad>' } });

test('the highest-scoring segmentation, then </s>', () => {
  // "▁hello" whole (-1) beats ▁he + llo (-5); "▁hell" is ▁he + l + l (-8.5), better than ▁ + h + e + l + l (-14).
  expect(tokenizer.encode('hello world')).toEqual([3, 4, 1]);
  expect(tokenizer.encode('hell', { addSpecialTokens: false })).toEqual([10, 8, 8]);
  expect(tokenizer.decode([3, 4, 1], { skipSpecialTokens: true })).toBe('hello world');
  expect([tokenizer.eosTokenId, tokenizer.padTokenId, tokenizer.unkTokenId, tokenizer.vocabSize]).toEqual([1, 0, 2, 12]);
  expect(tokenizer.encode('hello world', { maxLength: 2 })).toEqual([3, 1]);
});

test('a piece listed twice, or a score that is not a number, is a TokenizerFormatError', () => {
  expect(() => HFTokenizer.fromFiles({ tokenizer: json([...PIECES, ['▁hello', -9]]) })).toThrow(TokenizerFormatError);
  expect(() => HFTokenizer.fromFiles({ tokenizer: json([...PIECES, ['▁hello', -9]]) })).toThrow(/'model.vocab\[12\]': expected unique pieces, found '▁hello' a second time/);
  expect(() => HFTokenizer.fromFiles({ tokenizer: json([['a', 'high']]) })).toThrow(/expected a \[piece, finite score\] pair, found an array of 2/);
});
