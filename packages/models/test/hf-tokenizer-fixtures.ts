/**
 * tokenizer.json files built in the test, laid out as the Rust `tokenizers`
 * crate writes them for GPT-2, Llama 2 and Qwen2 (component types and settings
 * as in those models' files on the Hub), over vocabularies small enough to
 * derive ids by hand — except GPT-2's, which is the real one, rebuilt from
 * js-tiktoken's ranks.
 */
import gpt2Ranks from 'js-tiktoken/ranks/gpt2';

type Json = Record<string, unknown>;

/** GPT-2's byte ↔ printable-character table (bytes_to_unicode in transformers and the Rust crate). */
export function bytesToUnicode(): string[] {
  const table = new Array<string>(256);
  let next = 256;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    table[byte] = String.fromCodePoint(printable ? byte : next++);
  }
  return table;
}

const BYTE_CHARS = bytesToUnicode();
const byteLevel = (bytes: Iterable<number>) => Array.from(bytes, (byte) => BYTE_CHARS[byte]).join('');

function addedToken(id: number, content: string, special = true): Json {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: !special, special };
}

/**
 * The merge that made each tiktoken token: run BPE over its bytes with only the
 * lower ranks (what transformers' TikTokenConverter does); two parts remain.
 */
function mergeOf(bytes: string, rank: number, ranks: Map<string, number>): [string, string] {
  let parts = [...bytes];
  for (;;) {
    let best = -1;
    let bestRank = rank;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = ranks.get(parts[i] + parts[i + 1]);
      if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
    }
    if (best < 0) break;
    parts = [...parts.slice(0, best), parts[best] + parts[best + 1], ...parts.slice(best + 2)];
  }
  if (parts.length !== 2) throw new Error(`rank ${rank}: expected two parts, found ${parts.length}`);
  return parts as [string, string];
}

/** The real GPT-2 tokenizer.json (50,257 tokens, 50,000 merges), from js-tiktoken's gpt2 ranks. */
export function gpt2TokenizerJson(): Json {
  // Tokens as latin1 strings of their bytes, by rank.
  const [, offset, ...tokens] = gpt2Ranks.bpe_ranks.split('\n')[0].split(' ');
  const byRank = tokens.map((token) => Buffer.from(token, 'base64').toString('latin1'));
  const ranks = new Map(byRank.map((bytes, i) => [bytes, Number(offset) + i]));
  const toUnicode = (bytes: string) => byteLevel(Buffer.from(bytes, 'latin1'));
  const vocab: Record<string, number> = {};
  const merges: string[] = [];
  byRank.forEach((bytes, rank) => {
    vocab[toUnicode(bytes)] = rank;
    if (bytes.length > 1) merges.push(mergeOf(bytes, rank, ranks).map(toUnicode).join(' '));
  });
  vocab['<|endoftext|>'] = 50256;
  const level = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ ...addedToken(50256, '<|endoftext|>'), normalized: true }],
    normalizer: null,
    pre_tokenizer: level,
    post_processor: level,
    decoder: level,
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges },
  };
}

export const GPT2_CONFIG: Json = {
  add_bos_token: false,
  add_prefix_space: false,
  bos_token: '<|endoftext|>',
  eos_token: '<|endoftext|>',
  unk_token: '<|endoftext|>',
  model_max_length: 1024,
  tokenizer_class: 'GPT2Tokenizer',
};

/**
 * Llama 2's layout: Prepend + Replace normalizer (no pre-tokenizer), BPE with
 * byte fallback over `<0x00>`…`<0xFF>` at ids 3…258, `<s>` from a
 * TemplateProcessing post-processor, and the Replace/ByteFallback/Fuse/Strip
 * decoder. Pieces from id 259; LLAMA_IDS names them.
 */
export const LLAMA_PIECES = ['▁', 't', 'h', 'e', 'l', 'o', 'w', 'r', 'd', '▁t', 'he', '▁the', 'll', 'llo', '▁he', '▁hello', 'or', '▁w', '▁wor', 'ld', '▁world'];
export const LLAMA_IDS: Record<string, number> = Object.fromEntries(LLAMA_PIECES.map((piece, i) => [piece, 259 + i]));
const LLAMA_MERGES = ['▁ t', 'h e', '▁t he', 'l l', 'll o', '▁ he', '▁he llo', 'o r', '▁ w', '▁w or', 'l d', '▁wor ld'];

export function llamaTokenizerJson(): Json {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let byte = 0; byte < 256; byte++) vocab[`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + byte;
  Object.assign(vocab, LLAMA_IDS);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [addedToken(0, '<unk>'), addedToken(1, '<s>'), addedToken(2, '</s>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab, merges: LLAMA_MERGES },
  };
}

export const LLAMA_CONFIG: Json = {
  add_bos_token: true,
  add_eos_token: false,
  bos_token: { __type: 'AddedToken', content: '<s>', lstrip: false, normalized: false, rstrip: false, single_word: false },
  eos_token: { __type: 'AddedToken', content: '</s>', lstrip: false, normalized: false, rstrip: false, single_word: false },
  unk_token: { __type: 'AddedToken', content: '<unk>', lstrip: false, normalized: false, rstrip: false, single_word: false },
  pad_token: null,
  clean_up_tokenization_spaces: false,
  legacy: false,
  padding_side: 'left',
  tokenizer_class: 'LlamaTokenizer',
};

/** Qwen2's pre-tokenizer regex (its tokenizer.json's Split pattern). */
export const QWEN2_SPLIT_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/**
 * A byte-level BPE where byte b is id b (in bytes_to_unicode spelling) and
 * merges give ids from 256 in order; BYTE_LEVEL_IDS names the merged tokens.
 */
const BYTE_LEVEL_MERGES = ['Ġ w', 'o r', 'Ġw or', 'l d', 'Ġwor ld', 'H e', 'l l', 'He ll', 'Hell o', '2 0', "' S"];
export const BYTE_LEVEL_IDS: Record<string, number> = Object.fromEntries(BYTE_LEVEL_MERGES.map((merge, i) => [merge.replace(' ', ''), 256 + i]));
const FIRST_ADDED_ID = 256 + BYTE_LEVEL_MERGES.length;

interface ByteLevelLayout {
  readonly addedTokens: readonly string[];
  readonly preTokenizer: Json;
  readonly postProcessor: Json;
  readonly normalizer?: Json | null;
}

function byteLevelTokenizerJson(layout: ByteLevelLayout): Json {
  const vocab: Record<string, number> = {};
  BYTE_CHARS.forEach((char, byte) => (vocab[char] = byte));
  Object.assign(vocab, BYTE_LEVEL_IDS);
  const added = layout.addedTokens.map((content, i) => addedToken(FIRST_ADDED_ID + i, content));
  for (const token of added) vocab[token.content as string] = token.id as number;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: layout.normalizer ?? null,
    pre_tokenizer: layout.preTokenizer,
    post_processor: layout.postProcessor,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: BYTE_LEVEL_MERGES },
  };
}

export const QWEN_ADDED = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
export const qwenId = (token: string) => FIRST_ADDED_ID + QWEN_ADDED.indexOf(token);

/** Qwen2's layout: NFC, Split(Qwen2 regex, Isolated) then ByteLevel without its regex, ByteLevel post-processor. */
export function qwenTokenizerJson(): Json {
  const level = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  return byteLevelTokenizerJson({
    addedTokens: QWEN_ADDED,
    normalizer: { type: 'NFC' },
    preTokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: QWEN2_SPLIT_REGEX }, behavior: 'Isolated', invert: false }, level] },
    postProcessor: level,
  });
}

/** Qwen2-Instruct's chat template (ChatML). */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export const QWEN_CONFIG: Json = {
  add_prefix_space: false,
  bos_token: null,
  eos_token: '<|im_end|>',
  pad_token: '<|endoftext|>',
  unk_token: null,
  chat_template: CHATML_TEMPLATE,
  clean_up_tokenization_spaces: false,
  errors: 'replace',
  model_max_length: 32768,
  split_special_tokens: false,
  tokenizer_class: 'Qwen2Tokenizer',
};

export const LLAMA3_ADDED = ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'];
export const llama3Id = (token: string) => FIRST_ADDED_ID + LLAMA3_ADDED.indexOf(token);

/** Llama 3's layout: a Split pre-tokenizer and ByteLevel, and `<|begin_of_text|>` from TemplateProcessing (in a Sequence, as its file has it). */
export function llama3TokenizerJson(): Json {
  const level = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false };
  const bos = '<|begin_of_text|>';
  return byteLevelTokenizerJson({
    addedTokens: LLAMA3_ADDED,
    preTokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: QWEN2_SPLIT_REGEX }, behavior: 'Isolated', invert: false }, level] },
    postProcessor: {
      type: 'Sequence',
      processors: [
        level,
        {
          type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
          pair: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: bos, type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
          special_tokens: { [bos]: { id: bos, ids: [llama3Id(bos)], tokens: [bos] } },
        },
      ],
    },
  });
}

/** Meta-Llama-3-8B-Instruct's chat template. */
export const LLAMA3_TEMPLATE =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

export const LLAMA3_CONFIG: Json = {
  bos_token: '<|begin_of_text|>',
  eos_token: '<|eot_id|>',
  chat_template: LLAMA3_TEMPLATE,
  clean_up_tokenization_spaces: true,
  model_max_length: 131072,
  tokenizer_class: 'PreTrainedTokenizerFast',
};
