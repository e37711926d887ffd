/**
 * transformers (TokenizersBackend, v5) does not always keep tokenizer.json's
 * post-processor: when tokenizer_config.json sets `add_bos_token` or
 * `add_eos_token`, it writes a TemplateProcessing `[bos] $A [eos]` (pairs:
 * `[bos] $A [eos] [bos] $B [eos]`) from those flags, each off when its token is
 * not set. Llama 2's, Mistral's and Gemma's configs set the flags: where they
 * agree with tokenizer.json nothing changes; where they do not (`add_eos_token:
 * true` for training, say), transformers' ids follow the flags, and so do ours.
 */
import { quoteText } from '@peftjs/core';
import { isJsonObject, kindOf, type JsonObject } from './hf-json';
import { TokenizerFormatError } from './tokenizer-errors';

function flag(config: JsonObject, name: 'add_bos_token' | 'add_eos_token'): boolean {
  const value = config[name] ?? false;
  if (typeof value !== 'boolean') throw new TokenizerFormatError('tokenizer_config.json', name, `expected a boolean, found ${kindOf(value)}`);
  return value;
}

/** The id tokenizer.json gives `token`: an added token's, else the model vocabulary's. */
function idIn(json: JsonObject, token: string, role: string): number {
  const added = (json.added_tokens as JsonObject[]).find((entry) => entry.content === token);
  if (added !== undefined) return added.id as number;
  const { vocab } = json.model as JsonObject;
  const id = Array.isArray(vocab) ? vocab.findIndex((entry) => entry[0] === token) : isJsonObject(vocab) && Object.hasOwn(vocab, token) ? vocab[token] : -1;
  if (typeof id === 'number' && id >= 0) return id;
  throw new TokenizerFormatError('tokenizer_config.json', role, `expected a token of tokenizer.json's vocabulary, found ${quoteText(token, 60)}, which is not`);
}

/** The post-processor transformers would run: tokenizer.json's, or the one the config's flags ask for. */
export function configPostProcessor(json: JsonObject, config: JsonObject, tokens: { bos?: string; eos?: string }): unknown {
  if (!('add_bos_token' in config) && !('add_eos_token' in config)) return json.post_processor;
  const bos = flag(config, 'add_bos_token') ? tokens.bos : undefined;
  const eos = flag(config, 'add_eos_token') ? tokens.eos : undefined;
  const special = (token: string | undefined, typeId: number) => (token === undefined ? [] : [{ SpecialToken: { id: token, type_id: typeId } }]);
  const sequence = (id: 'A' | 'B', typeId: number) => [...special(bos, typeId), { Sequence: { id, type_id: typeId } }, ...special(eos, typeId)];
  const specialTokens: JsonObject = {};
  if (bos !== undefined) specialTokens[bos] = { id: bos, ids: [idIn(json, bos, 'bos_token')], tokens: [bos] };
  if (eos !== undefined) specialTokens[eos] = { id: eos, ids: [idIn(json, eos, 'eos_token')], tokens: [eos] };
  return { type: 'TemplateProcessing', single: sequence('A', 0), pair: [...sequence('A', 0), ...sequence('B', 1)], special_tokens: specialTokens };
}
