/**
 * Reading tokenizer.json and tokenizer_config.json before @huggingface/tokenizers
 * sees them: the library trusts its input (it throws bare Errors, or quietly
 * tokenizes differently from the Rust `tokenizers` crate for a few settings), so
 * the shape, the sizes and the component types are checked here, each failure a
 * TokenizerFormatError saying what was expected and what was found.
 */
import { quoteText, quoteValue } from '@peftjs/core';
import { HF_TOKENIZER_LIMITS } from './hf-limits';
import { TokenizerFormatError, type TokenizerFile } from './tokenizer-errors';

export type JsonObject = Record<string, unknown>;

/** A tokenizer.json or tokenizer_config.json as text or as the object JSON.parse gave. */
export type JsonFileInput = string | JsonObject;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `the string ${quoteText(value, 60)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${quoteValue(value, 60)}`;
}

/** The file as an object: text is size-checked and parsed, an object is taken as is. */
export function readJsonFile(input: unknown, file: TokenizerFile, maxChars: number): JsonObject {
  let value = input;
  if (typeof input === 'string') {
    if (input.length > maxChars) {
      throw new TokenizerFormatError(file, '', `expected at most ${maxChars} characters (HF_TOKENIZER_LIMITS), found ${input.length}`);
    }
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new TokenizerFormatError(file, '', `expected JSON, found text that does not parse (${(error as Error).message.slice(0, 120)})`, { cause: error });
    }
  }
  if (!isJsonObject(value)) throw new TokenizerFormatError(file, '', `expected a JSON object, found ${kindOf(value)}`);
  return value;
}

type Stage = 'normalizer' | 'pre_tokenizer' | 'post_processor' | 'decoder';

// The component types @huggingface/tokenizers 0.2.0 builds (its create_* switches), and where a Sequence keeps its children.
const SUPPORTED: Record<Stage, { types: readonly string[]; children: string }> = {
  normalizer: {
    types: ['BertNormalizer', 'Precompiled', 'Sequence', 'Replace', 'NFC', 'NFD', 'NFKC', 'NFKD', 'Strip', 'StripAccents', 'Lowercase', 'Prepend'],
    children: 'normalizers',
  },
  pre_tokenizer: {
    types: ['BertPreTokenizer', 'Sequence', 'Whitespace', 'WhitespaceSplit', 'Metaspace', 'ByteLevel', 'Split', 'Punctuation', 'Digits', 'Replace', 'FixedLength'],
    children: 'pretokenizers',
  },
  post_processor: { types: ['TemplateProcessing', 'ByteLevel', 'BertProcessing', 'RobertaProcessing', 'Sequence'], children: 'processors' },
  decoder: { types: ['ByteLevel', 'WordPiece', 'Metaspace', 'BPEDecoder', 'CTC', 'Sequence', 'Replace', 'Fuse', 'Strip', 'ByteFallback'], children: 'decoders' },
};

const MODEL_TYPES = ['BPE', 'WordPiece', 'Unigram'];

/**
 * Checks a parsed tokenizer.json and returns the object the library is given:
 * the same, with absent components and added_tokens made explicit.
 */
export function checkTokenizerJson(json: JsonObject): JsonObject {
  const model = checkModel(json.model);
  const addedTokens = checkAddedTokens(json.added_tokens);
  const checked: JsonObject = { ...json, model, added_tokens: addedTokens };
  for (const stage of Object.keys(SUPPORTED) as Stage[]) {
    checked[stage] = json[stage] ?? null;
    checkComponent(checked[stage], stage, stage, 0);
  }
  return checked;
}

function fail(field: string, message: string): never {
  throw new TokenizerFormatError('tokenizer.json', field, message);
}

function checkModel(model: unknown): JsonObject {
  if (!isJsonObject(model)) fail('model', `expected an object, found ${kindOf(model)}`);
  if (!MODEL_TYPES.includes(model.type as string)) {
    fail('model.type', `expected one of ${MODEL_TYPES.join(', ')} (the models @huggingface/tokenizers runs), found ${kindOf(model.type)}`);
  }
  if (model.type === 'Unigram') checkUnigramVocab(model.vocab);
  else checkVocab(model.vocab);
  if (model.type === 'BPE') checkMerges(model.merges);
  return model;
}

function checkVocab(vocab: unknown): void {
  if (!isJsonObject(vocab)) fail('model.vocab', `expected an object of token to id, found ${kindOf(vocab)}`);
  const ids = new Set<number>();
  let count = 0;
  for (const token in vocab) {
    if (++count > HF_TOKENIZER_LIMITS.vocabEntries) fail('model.vocab', `expected at most ${HF_TOKENIZER_LIMITS.vocabEntries} entries, found more`);
    const id = vocab[token];
    if (!Number.isSafeInteger(id) || (id as number) < 0) fail(`model.vocab[${quoteText(token, 40)}]`, `expected an integer id >= 0, found ${kindOf(id)}`);
    // Two tokens with one id would make decode depend on the order of the file.
    if (ids.has(id as number)) fail(`model.vocab[${quoteText(token, 40)}]`, `expected unique ids, found id ${id} a second time`);
    ids.add(id as number);
  }
}

function checkUnigramVocab(vocab: unknown): void {
  if (!Array.isArray(vocab)) fail('model.vocab', `expected an array of [piece, score] pairs, found ${kindOf(vocab)}`);
  if (vocab.length > HF_TOKENIZER_LIMITS.vocabEntries) fail('model.vocab', `expected at most ${HF_TOKENIZER_LIMITS.vocabEntries} entries, found ${vocab.length}`);
  const pieces = new Set<string>();
  vocab.forEach((entry, i) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Number.isFinite(entry[1])) {
      fail(`model.vocab[${i}]`, `expected a [piece, finite score] pair, found ${kindOf(entry)}`);
    }
    // A piece listed twice would make token → id depend on the order of the file.
    if (pieces.has(entry[0])) fail(`model.vocab[${i}]`, `expected unique pieces, found ${quoteText(entry[0], 40)} a second time`);
    pieces.add(entry[0]);
  });
}

function checkMerges(merges: unknown): void {
  if (!Array.isArray(merges)) fail('model.merges', `expected an array, found ${kindOf(merges)}`);
  if (merges.length > HF_TOKENIZER_LIMITS.merges) fail('model.merges', `expected at most ${HF_TOKENIZER_LIMITS.merges} merges, found ${merges.length}`);
  merges.forEach((merge, i) => {
    // Two forms: "a b" (tokenizers < 0.20) and ["a", "b"].
    const ok = typeof merge === 'string' ? merge.split(' ').length === 2 : Array.isArray(merge) && merge.length === 2 && merge.every((part) => typeof part === 'string');
    if (!ok) fail(`model.merges[${i}]`, `expected "left right" or ["left", "right"], found ${kindOf(merge)}`);
  });
}

function checkAddedTokens(tokens: unknown): unknown[] {
  if (tokens === undefined || tokens === null) return [];
  if (!Array.isArray(tokens)) fail('added_tokens', `expected an array, found ${kindOf(tokens)}`);
  if (tokens.length > HF_TOKENIZER_LIMITS.addedTokens) fail('added_tokens', `expected at most ${HF_TOKENIZER_LIMITS.addedTokens} entries, found ${tokens.length}`);
  tokens.forEach((token, i) => {
    if (!isJsonObject(token) || typeof token.content !== 'string' || token.content === '' || !Number.isSafeInteger(token.id) || (token.id as number) < 0) {
      fail(`added_tokens[${i}]`, `expected { id: integer >= 0, content: non-empty string, ... }, found ${quoteValue(token, 80)}`);
    }
  });
  return tokens;
}

function checkComponent(component: unknown, stage: Stage, field: string, depth: number): void {
  if (component === null) return;
  if (!isJsonObject(component)) fail(field, `expected an object or null, found ${kindOf(component)}`);
  const { types, children } = SUPPORTED[stage];
  if (!types.includes(component.type as string)) {
    fail(`${field}.type`, `expected one of ${types.join(', ')} (what @huggingface/tokenizers runs), found ${kindOf(component.type)}`);
  }
  checkPattern(component.pattern, `${field}.pattern`);
  if (stage === 'pre_tokenizer') checkPreTokenizer(component, field);
  if (component.type !== 'Sequence') return;
  if (depth >= HF_TOKENIZER_LIMITS.componentDepth) fail(field, `expected Sequence nesting of at most ${HF_TOKENIZER_LIMITS.componentDepth} levels, found deeper`);
  const list = component[children];
  if (!Array.isArray(list)) fail(`${field}.${children}`, `expected an array, found ${kindOf(list)}`);
  list.forEach((child, i) => checkComponent(child, stage, `${field}.${children}[${i}]`, depth + 1));
}

function checkPattern(pattern: unknown, field: string): void {
  if (pattern === undefined) return;
  const text = isJsonObject(pattern) ? (pattern.Regex ?? pattern.String) : undefined;
  if (typeof text !== 'string') fail(field, `expected { "Regex": string } or { "String": string }, found ${kindOf(pattern)}`);
  if (text.length > HF_TOKENIZER_LIMITS.patternChars) fail(field, `expected at most ${HF_TOKENIZER_LIMITS.patternChars} characters, found ${text.length}`);
}

/**
 * Settings the library accepts but runs differently from the Rust crate (its
 * README says so for Split): refused, rather than giving other ids than
 * transformers does.
 */
function checkPreTokenizer(component: JsonObject, field: string): void {
  if (component.type === 'Punctuation' && (component.behavior ?? 'Isolated') !== 'Contiguous') {
    // The library keeps runs of punctuation together ('!!'), which is Contiguous; Rust's default isolates each mark.
    fail(`${field}.behavior`, `expected 'Contiguous' (the only Punctuation behaviour @huggingface/tokenizers runs), found ${kindOf(component.behavior ?? 'Isolated')}`);
  }
  if (component.type !== 'Split') return;
  const behavior = component.behavior;
  const pattern = component.pattern as JsonObject | undefined;
  if (component.invert === true) {
    // The library keeps only the matches of an inverted pattern: right for Removed, wrong for the other behaviours.
    if (behavior === 'Removed') return;
    fail(`${field}.invert`, `expected false, or true with behavior 'Removed' (what @huggingface/tokenizers runs as the Rust crate does), found true with behavior ${kindOf(behavior)}`);
  }
  if (behavior === 'Isolated') return;
  // Removed goes through String.split, which would keep captured groups: only a regex without one is safe.
  const regex = pattern?.Regex;
  if (behavior === 'Removed' && typeof regex === 'string' && !/(^|[^\\])\((?!\?)/.test(regex)) return;
  fail(`${field}.behavior`, `expected 'Isolated', or 'Removed' with a Regex pattern without capturing groups (what @huggingface/tokenizers runs as the Rust crate does), found ${kindOf(behavior)}`);
}
