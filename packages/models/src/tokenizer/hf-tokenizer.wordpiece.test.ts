/**
 * BERT's layout (BertNormalizer, BertPreTokenizer, WordPiece, [CLS] … [SEP]
 * from TemplateProcessing): truncation keeps both special tokens, as
 * transformers does, and the pad token comes from the config.
 */
import { HFTokenizer } from './hf-tokenizer';

const vocab = { '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, hello: 4, world: 5, '##s': 6, ',': 7 };
const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
const tokenizer = HFTokenizer.fromFiles({
  tokenizer: {
    version: '1.0',
    added_tokens: [special(0, '[PAD]'), special(1, '[UNK]'), special(2, '[CLS]'), special(3, '[SEP]')],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  },
  tokenizerConfig: { cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', do_lower_case: true, clean_up_tokenization_spaces: true },
});

test('lower-cased WordPiece pieces between [CLS] and [SEP]; unknown words are [UNK]', () => {
  expect(tokenizer.encode('Hello, Worlds')).toEqual([2, 4, 7, 5, 6, 3]);
  expect(tokenizer.encode('hello there', { addSpecialTokens: false })).toEqual([4, 1]);
  expect(tokenizer.decode([2, 4, 7, 5, 6, 3], { skipSpecialTokens: true })).toBe('hello, worlds');
});

test('truncation keeps [CLS] and [SEP]; a maxLength without room for them is refused', () => {
  expect(tokenizer.encode('Hello, Worlds', { maxLength: 4 })).toEqual([2, 4, 7, 3]);
  expect(() => tokenizer.encode('Hello', { maxLength: 1 })).toThrow(/maxLength: expected an integer >= 2 \(room for the special tokens\), found 1/);
  expect(tokenizer.encodeBatch(['Hello', 'Hello, Worlds'], { maxLength: 5 })).toEqual({
    inputIds: [
      [2, 4, 3, 0, 0],
      [2, 4, 7, 5, 3],
    ],
    attentionMask: [
      [1, 1, 1, 0, 0],
      [1, 1, 1, 1, 1],
    ],
  });
});
