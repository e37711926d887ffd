/**
 * Broken, hostile or unsupported tokenizer files: each a TokenizerFormatError
 * naming the file and field, saying what was expected and what was found —
 * never a bare Error from the library, and never a tokenizer that would give
 * other ids than the Rust crate.
 */
import { llamaTokenizerJson, LLAMA_CONFIG, qwenTokenizerJson, QWEN2_SPLIT_REGEX } from '../../test/hf-tokenizer-fixtures';
import { HF_TOKENIZER_LIMITS } from './hf-limits';
import { HFTokenizer } from './hf-tokenizer';
import { TokenizerFormatError } from './tokenizer-errors';

type Json = Record<string, unknown>;
const load = (tokenizer: unknown, tokenizerConfig?: unknown) => () => HFTokenizer.fromFiles({ tokenizer: tokenizer as Json, tokenizerConfig: tokenizerConfig as Json });
const qwen = qwenTokenizerJson();
const withModel = (patch: Json) => ({ ...qwen, model: { ...(qwen.model as Json), ...patch } });
const withPreTokenizer = (pre_tokenizer: unknown) => ({ ...qwen, pre_tokenizer });

function expectFormatError(run: () => unknown, file: string, field: string, message: RegExp): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TokenizerFormatError);
  expect(thrown).toMatchObject({ code: 'TOKENIZER_FORMAT', file, field });
  expect((thrown as Error).message).toMatch(message);
}

test('text that is not JSON, not an object, or larger than the limit', () => {
  expectFormatError(load('{"model": '), 'tokenizer.json', '', /expected JSON, found text that does not parse/);
  expectFormatError(load('[1, 2]'), 'tokenizer.json', '', /expected a JSON object, found an array of 2/);
  expectFormatError(load(' '.repeat(HF_TOKENIZER_LIMITS.tokenizerJsonChars + 1)), 'tokenizer.json', '', /expected at most 67108864 characters \(HF_TOKENIZER_LIMITS\), found 67108865/);
  expectFormatError(load(qwen, 'not json'), 'tokenizer_config.json', '', /expected JSON/);
});

test('a model that is missing, of a type the library does not run, or malformed', () => {
  expectFormatError(load({ ...qwen, model: undefined }), 'tokenizer.json', 'model', /expected an object, found undefined/);
  expectFormatError(load(withModel({ type: 'WordLevel' })), 'tokenizer.json', 'model.type', /expected one of BPE, WordPiece, Unigram .* found the string 'WordLevel'/);
  expectFormatError(load(withModel({ vocab: { a: 0, b: 0 } })), 'tokenizer.json', "model.vocab['b']", /expected unique ids, found id 0 a second time/);
  expectFormatError(load(withModel({ vocab: { a: -1 } })), 'tokenizer.json', "model.vocab['a']", /expected an integer id >= 0, found number -1/);
  expectFormatError(load(withModel({ vocab: { a: '0' } })), 'tokenizer.json', "model.vocab['a']", /found the string '0'/);
  expectFormatError(load(withModel({ merges: ['a b c'] })), 'tokenizer.json', 'model.merges[0]', /expected "left right" or \["left", "right"\], found the string 'a b c'/);
  expectFormatError(load(withModel({ merges: 'a b' })), 'tokenizer.json', 'model.merges', /expected an array/);
  expectFormatError(load({ ...qwen, added_tokens: [{ id: 'x', content: '<s>' }] }), 'tokenizer.json', 'added_tokens[0]', /expected \{ id: integer >= 0, content: non-empty string, \.\.\. \}/);
});

test('components of types the library does not run, and settings it would run differently from the Rust crate', () => {
  expectFormatError(load(withPreTokenizer({ type: 'UnicodeScripts' })), 'tokenizer.json', 'pre_tokenizer.type', /expected one of BertPreTokenizer, .* found the string 'UnicodeScripts'/);
  expectFormatError(load({ ...qwen, normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Nmt' }] } }), 'tokenizer.json', 'normalizer.normalizers[1].type', /found the string 'Nmt'/);
  expectFormatError(load({ ...qwen, decoder: { type: 'Sequence' } }), 'tokenizer.json', 'decoder.decoders', /expected an array, found undefined/);
  const split = (extra: Json) => withPreTokenizer({ type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: QWEN2_SPLIT_REGEX }, behavior: 'Isolated', invert: false, ...extra }] });
  expectFormatError(load(split({ behavior: 'MergedWithPrevious' })), 'tokenizer.json', 'pre_tokenizer.pretokenizers[0].behavior', /expected 'Isolated', or 'Removed' .* found the string 'MergedWithPrevious'/);
  expectFormatError(load(split({ invert: true })), 'tokenizer.json', 'pre_tokenizer.pretokenizers[0].invert', /expected false, or true with behavior 'Removed' .* found true with behavior the string 'Isolated'/);
  expect(load(split({ invert: true, behavior: 'Removed', pattern: { Regex: '\\w+' } }))().encode('ab, cd')).toEqual([97, 98, 99, 100]); // ', ' removed
  expectFormatError(load(split({ behavior: 'Removed', pattern: { Regex: '(\\s)' } })), 'tokenizer.json', 'pre_tokenizer.pretokenizers[0].behavior', /without capturing groups/);
  expect(load(split({ behavior: 'Removed', pattern: { Regex: '\\s+' } }))()).toBeInstanceOf(HFTokenizer);
  expectFormatError(load(withPreTokenizer({ type: 'Punctuation' })), 'tokenizer.json', 'pre_tokenizer.behavior', /expected 'Contiguous' .* found the string 'Isolated'/);
  expectFormatError(load(split({ pattern: { Regex: 'a'.repeat(HF_TOKENIZER_LIMITS.patternChars + 1) } })), 'tokenizer.json', 'pre_tokenizer.pretokenizers[0].pattern', /expected at most 16384 characters, found 16385/);
  expectFormatError(load(split({ pattern: { Glob: '*' } })), 'tokenizer.json', 'pre_tokenizer.pretokenizers[0].pattern', /expected \{ "Regex": string \} or \{ "String": string \}, found an object/);
  let nested: Json = { type: 'NFC' };
  for (let i = 0; i < 20; i++) nested = { type: 'Sequence', normalizers: [nested] };
  expectFormatError(load({ ...qwen, normalizer: nested }), 'tokenizer.json', `normalizer${'.normalizers[0]'.repeat(16)}`, /expected Sequence nesting of at most 16 levels/);
});

test('what the library itself refuses (a regex it cannot translate) is a TokenizerFormatError with the cause', () => {
  let thrown: unknown;
  try {
    HFTokenizer.fromFiles({ tokenizer: withPreTokenizer({ type: 'Split', pattern: { Regex: '[[:foo:]]' }, behavior: 'Isolated', invert: false }) });
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TokenizerFormatError);
  expect((thrown as Error).message).toMatch(/^tokenizer.json: expected a tokenizer @huggingface\/tokenizers can build, found it fails with 'Unsupported POSIX character class "foo"/);
  expect((thrown as { cause?: unknown }).cause).toBeInstanceOf(SyntaxError);
});

test('tokenizer_config.json: special tokens of the wrong kind or outside the vocabulary, bad sides', () => {
  const llama = llamaTokenizerJson();
  expectFormatError(load(llama, { ...LLAMA_CONFIG, bos_token: 7 }), 'tokenizer_config.json', 'bos_token', /expected a string, an AddedToken object \{ content: string \} or null, found number 7/);
  expectFormatError(load(llama, { ...LLAMA_CONFIG, pad_token: '<pad>' }), 'tokenizer_config.json', 'pad_token', /expected a token of tokenizer.json's vocabulary, found '<pad>', which is not/);
  expectFormatError(load(llama, { ...LLAMA_CONFIG, padding_side: 'middle' }), 'tokenizer_config.json', 'padding_side', /expected 'left' or 'right', found the string 'middle'/);
  expectFormatError(load(llama, { ...LLAMA_CONFIG, additional_special_tokens: '<s>' }), 'tokenizer_config.json', 'additional_special_tokens', /expected an array/);
  expectFormatError(load(llama, { ...LLAMA_CONFIG, clean_up_tokenization_spaces: 'yes' }), 'tokenizer_config.json', 'clean_up_tokenization_spaces', /expected a boolean/);
  // Untrusted text is quoted cut short.
  expectFormatError(load(withModel({ type: 'x'.repeat(10_000) })), 'tokenizer.json', 'model.type', /found the string 'x{60}'\.\.\. \(10000 characters\)$/);
});
