/**
 * Typed errors of the Hugging Face tokenizer (tokenizer.json, tokenizer_config.json
 * and chat templates). They live beside the tokenizer rather than in ../errors.ts
 * because only this folder throws them.
 */
import { brandErrorClass, PeftError } from '@peftjs/core';

/** Which of the two files a TokenizerFormatError is about. */
export type TokenizerFile = 'tokenizer.json' | 'tokenizer_config.json';

/**
 * A tokenizer.json or tokenizer_config.json that cannot be used: not JSON, a
 * field of the wrong kind, larger than the documented limit, or a component
 * (model, normalizer, pre-tokenizer, post-processor, decoder) that
 * @huggingface/tokenizers does not implement.
 */
export class TokenizerFormatError extends PeftError {
  static {
    brandErrorClass(this, 'models', 'TokenizerFormatError');
  }

  constructor(
    readonly file: TokenizerFile,
    /** Where in the file, as a JSON path ('model.type', 'pre_tokenizer.pretokenizers[1]'), or '' for the whole file. */
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('TOKENIZER_FORMAT', `${file}${field === '' ? '' : ` '${field}'`}: ${message}`);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** A chat template that is missing, does not parse, throws while rendering, or renders too much (a template too large to load is a TokenizerFormatError). */
export class ChatTemplateError extends PeftError {
  static {
    brandErrorClass(this, 'models', 'ChatTemplateError');
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super('CHAT_TEMPLATE', message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}
