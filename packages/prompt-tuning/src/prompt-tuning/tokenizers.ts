/**
 * Tokenizers for TEXT initialisation. peft loads one by
 * `tokenizer_name_or_path` (AutoTokenizer); peftjs cannot download one, so a
 * tokenizer is passed in the config helper's options, or registered under the
 * name the config records: then adapters loaded for further training
 * (isTrainable) find it too.
 */
import { PromptInitError } from '../errors';

/** A tokenizer object (@peftjs/models' GPT2Tokenizer fits) or a plain function. */
export type TokenizerLike = { encode(text: string): readonly number[] } | ((text: string) => readonly number[]);

const registered = new Map<string, TokenizerLike>();

/** Makes `tokenizer` the one TEXT initialisation uses for configs naming `nameOrPath`. Returns the one it replaced. */
export function registerTokenizer(nameOrPath: string, tokenizer: TokenizerLike): TokenizerLike | undefined {
  const previous = registered.get(nameOrPath);
  registered.set(nameOrPath, tokenizer);
  return previous;
}

export function unregisterTokenizer(nameOrPath: string): boolean {
  return registered.delete(nameOrPath);
}

/** Token ids of `text` with the given tokenizer, or the one registered under `nameOrPath`. */
export function tokenize(text: string, nameOrPath: string | null, given: TokenizerLike | undefined): number[] {
  const tokenizer = given ?? (nameOrPath === null ? undefined : registered.get(nameOrPath));
  if (tokenizer === undefined) {
    throw new PromptInitError(
      `PROMPT_TUNING TEXT init: expected a tokenizer, found none for '${nameOrPath}'. Pass one with ` +
        `promptTuningConfig(config, { tokenizer }) or registerTokenizer('${nameOrPath}', tokenizer)`,
    );
  }
  const ids = typeof tokenizer === 'function' ? tokenizer(text) : tokenizer.encode(text);
  return Array.from(ids);
}
