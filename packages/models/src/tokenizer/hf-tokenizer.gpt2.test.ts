/**
 * The real GPT-2 tokenizer.json (rebuilt from js-tiktoken's ranks) against
 * js-tiktoken's own encoder: two independent implementations of one BPE.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import gpt2Ranks from 'js-tiktoken/ranks/gpt2';
import { GPT2_CONFIG, gpt2TokenizerJson } from '../../test/hf-tokenizer-fixtures';
import { HFTokenizer } from './hf-tokenizer';
import { corpusTexts } from '../../test/corpus-texts';

const json = gpt2TokenizerJson();
const tokenizer = HFTokenizer.fromFiles({ tokenizer: JSON.stringify(json), tokenizerConfig: GPT2_CONFIG });
const tiktoken = new Tiktoken(gpt2Ranks);

const TEXTS = [
  'Hello world',
  'Parameter-efficient fine-tuning (PEFT) adapts large models cheaply; LoRA is one way.',
  "It's what they'll do, isn't it? We've seen I'm right, you're wrong, he'd agree.",
  'naïve café — Ünïcödé, 日本語のテキスト, 中文, العربية, עברית, русский',
  'emoji 🙂👍🏽 👨‍👩‍👧 flags 🇫🇷🇯🇵 and a lone 🧪',
  'whitespace   runs\t\ttabs\n\nnew lines\r\n  indented\n    code   ',
  '   leading and trailing   ',
  'numbers 1234567890 3.14159 -42 1e-9 0x1F',
  'symbols !!! ??? ... --- ___ @@@ ### $$$ %%% ^^^ &&& *** ((( ))) [] {} <> | \\ / ~ `',
  ' the<|endoftext|> next document',
  '',
];

test('the rebuilt file has GPT-2 sizes: 50,257 tokens and 50,000 merges', () => {
  expect(Object.keys((json.model as { vocab: object }).vocab)).toHaveLength(50257);
  expect((json.model as { merges: string[] }).merges).toHaveLength(50000);
  expect((json.model as { merges: string[] }).merges.slice(0, 3)).toEqual(['Ġ t', 'Ġ a', 'h e']);
  expect(tokenizer.vocabSize).toBe(50257);
  expect(tokenizer.eosTokenId).toBe(50256);
  expect(tokenizer.bosTokenId).toBe(50256);
  expect(tokenizer.padTokenId).toBeUndefined();
});

test.each(TEXTS.map((text) => [JSON.stringify(text).slice(0, 50), text]))('%s: the ids of js-tiktoken, and back', (_, text) => {
  const ids = tokenizer.encode(text);
  expect(ids).toEqual(tiktoken.encode(text, 'all'));
  expect(tokenizer.decode(ids)).toBe(text);
});

test('known ids, as GPT2TokenizerFast gives them', () => {
  expect(tokenizer.encode('Hello world')).toEqual([15496, 995]);
  expect(tokenizer.tokenize('Hello world')).toEqual(['Hello', 'Ġworld']);
  expect(tokenizer.tokenToId('Ġworld')).toBe(995);
  expect(tokenizer.idToToken(50256)).toBe('<|endoftext|>');
  expect(tokenizer.idToToken(50257)).toBeUndefined();
});

test('decode skips the special <|endoftext|> on request', () => {
  const ids = tokenizer.encode('one<|endoftext|>two');
  expect(ids).toContain(50256);
  expect(tokenizer.decode(ids)).toBe('one<|endoftext|>two');
  expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('onetwo');
});

test('corpus texts (Brown, IMDb when installed): the ids of js-tiktoken, and back', () => {
  const texts = corpusTexts(40);
  expect(texts.length).toBeGreaterThanOrEqual(10);
  for (const text of texts) {
    const ids = tokenizer.encode(text);
    expect(ids).toEqual(tiktoken.encode(text, 'all'));
    expect(tokenizer.decode(ids)).toBe(text);
  }
});
