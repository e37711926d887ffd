/**
 * Byte-level BPE behind Qwen2's regex Split pre-tokenizer, over a small
 * vocabulary where byte b is id b (test/hf-tokenizer-fixtures.ts): exact ids
 * where the Qwen2 regex and GPT-2's would split differently, and round trips.
 */
import { BYTE_LEVEL_IDS, QWEN_CONFIG, qwenId, qwenTokenizerJson } from '../../test/hf-tokenizer-fixtures';
import { corpusTexts } from '../../test/corpus-texts';
import { HFTokenizer } from './hf-tokenizer';

const tokenizer = HFTokenizer.fromFiles({ tokenizer: JSON.stringify(qwenTokenizerJson()), tokenizerConfig: QWEN_CONFIG });
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

test('special tokens: no bos, eos <|im_end|>, pad <|endoftext|>; padding side right by default', () => {
  expect([tokenizer.bosTokenId, tokenizer.eosTokenId, tokenizer.padTokenId, tokenizer.unkTokenId]).toEqual([undefined, qwenId('<|im_end|>'), qwenId('<|endoftext|>'), undefined]);
  expect(tokenizer.paddingSide).toBe('right');
  expect(tokenizer.vocabSize).toBe(256 + 11 + 3);
});

test('exact ids: whole-word merges, and no special tokens from a ByteLevel post-processor', () => {
  expect(tokenizer.encode('Hello world')).toEqual([BYTE_LEVEL_IDS.Hello, BYTE_LEVEL_IDS['Ġworld']]);
  expect(tokenizer.tokenize('Hello world')).toEqual(['Hello', 'Ġworld']);
  // Added tokens are matched before the pre-tokenizer; "\n" is byte 10, whose byte-level spelling is "Ċ".
  expect(tokenizer.encode('<|im_start|>user\nHello<|im_end|>')).toEqual([qwenId('<|im_start|>'), ...ascii('user'), 10, BYTE_LEVEL_IDS.Hello, qwenId('<|im_end|>')]);
});

test("Qwen2's regex: digits one by one, contractions in any case", () => {
  // GPT-2's " ?\p{N}+" would keep "2024" whole and merge "2 0"; Qwen2's "\p{N}" isolates each digit.
  expect(tokenizer.encode('2024')).toEqual(ascii('2024'));
  // "(?i:'s|...)": "'S" is one piece, so the "' S" merge applies (GPT-2's lower-case "'s" would leave ' and S apart).
  expect(tokenizer.encode("IT'S")).toEqual([...ascii('IT'), BYTE_LEVEL_IDS["'S"]]);
});

test('NFC normalizes before the bytes are taken: a decomposed é gives the bytes of the composed one', () => {
  expect(tokenizer.encode('e\u0301')).toEqual([0xc3, 0xa9]);
  expect(tokenizer.decode([0xc3, 0xa9])).toBe('é');
});

test('decode(encode(x)) == x over unicode, emoji, whitespace runs and corpus text (NFC text)', () => {
  const texts = ['Hello world', "IT'S 2024!", '日本語のテキスト 🙂👍🏽 👨‍👩‍👧', '  spaces   and\ttabs\n\n\nlines\r\n', ' ', '', ...corpusTexts(20)];
  for (const text of texts) expect(tokenizer.decode(tokenizer.encode(text))).toBe(text.normalize('NFC'));
});

test('batch: right padding with <|endoftext|>, truncation to maxLength', () => {
  const pad = qwenId('<|endoftext|>');
  expect(tokenizer.encodeBatch(['Hello world', 'ab', 'Hello world and more'], { maxLength: 3 })).toEqual({
    inputIds: [
      [BYTE_LEVEL_IDS.Hello, BYTE_LEVEL_IDS['Ġworld'], pad],
      [97, 98, pad],
      [BYTE_LEVEL_IDS.Hello, BYTE_LEVEL_IDS['Ġworld'], 32],
    ],
    attentionMask: [
      [1, 1, 0],
      [1, 1, 0],
      [1, 1, 1],
    ],
  });
});
