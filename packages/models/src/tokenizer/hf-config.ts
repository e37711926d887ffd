/**
 * tokenizer_config.json: the special tokens by role, padding and truncation
 * sides, and the settings @huggingface/tokenizers reads, checked and with
 * transformers' defaults where the file says nothing.
 */
import { isJsonObject, kindOf, type JsonObject } from './hf-json';
import { TokenizerFormatError } from './tokenizer-errors';

export type TokenizerSide = 'left' | 'right';

/** The roles transformers gives special tokens (SPECIAL_TOKENS_ATTRIBUTES), as tokenizer_config.json names them. */
export const SPECIAL_TOKEN_ROLES = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;
export type SpecialTokenRole = (typeof SPECIAL_TOKEN_ROLES)[number];

export interface TokenizerSettings {
  /** Text of each special token the config names. */
  readonly specialTokens: Partial<Record<SpecialTokenRole, string>>;
  readonly additionalSpecialTokens: readonly string[];
  readonly paddingSide: TokenizerSide;
  readonly truncationSide: TokenizerSide;
  readonly cleanUpTokenizationSpaces: boolean;
  /** What @huggingface/tokenizers is given: the config with token objects turned into their text. */
  readonly libraryConfig: JsonObject;
}

function fail(field: string, message: string): never {
  throw new TokenizerFormatError('tokenizer_config.json', field, message);
}

/** A `*_token` value: a string, or an AddedToken object (`{ "__type": "AddedToken", "content": ... }`) as newer files write them. */
function tokenText(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (isJsonObject(value) && typeof value.content === 'string') return value.content;
  fail(field, `expected a string, an AddedToken object { content: string } or null, found ${kindOf(value)}`);
}

function side(value: unknown, field: string): TokenizerSide {
  if (value === undefined || value === null) return 'right';
  if (value === 'left' || value === 'right') return value;
  fail(field, `expected 'left' or 'right', found ${kindOf(value)}`);
}

export function readTokenizerSettings(config: JsonObject): TokenizerSettings {
  const specialTokens: Partial<Record<SpecialTokenRole, string>> = {};
  for (const role of SPECIAL_TOKEN_ROLES) {
    const text = tokenText(config[role], role);
    if (text !== undefined) specialTokens[role] = text;
  }
  const additional = config.additional_special_tokens ?? [];
  if (!Array.isArray(additional)) fail('additional_special_tokens', `expected an array, found ${kindOf(additional)}`);
  const additionalSpecialTokens = additional.map((token, i) => tokenText(token, `additional_special_tokens[${i}]`) ?? fail(`additional_special_tokens[${i}]`, 'expected a token, found null'));
  const cleanUp = config.clean_up_tokenization_spaces ?? false; // transformers' current default; the library's is true
  if (typeof cleanUp !== 'boolean') fail('clean_up_tokenization_spaces', `expected a boolean, found ${kindOf(cleanUp)}`);
  return {
    specialTokens,
    additionalSpecialTokens,
    paddingSide: side(config.padding_side, 'padding_side'),
    truncationSide: side(config.truncation_side, 'truncation_side'),
    cleanUpTokenizationSpaces: cleanUp,
    libraryConfig: { ...config, ...specialTokens, additional_special_tokens: additionalSpecialTokens, clean_up_tokenization_spaces: cleanUp },
  };
}
