/**
 * Typed errors of prompt learning. Each is a core PeftError with a stable code,
 * and says what was expected and what was found.
 */
import { brandErrorClass, PeftError } from '@peftjs/core';

/** The base model lacks what a method needs: input embeddings to prepend to, or the dims of its key/value inputs. */
export class UnsupportedModelError extends PeftError {
  static {
    brandErrorClass(this, 'prompt-tuning', 'UnsupportedModelError');
  }

  constructor(message: string) {
    super('UNSUPPORTED_MODEL', message);
  }
}

/** Virtual tokens plus the input would need more positions than the model has. */
export class PromptTooLongError extends PeftError {
  static {
    brandErrorClass(this, 'prompt-tuning', 'PromptTooLongError');
  }

  constructor(
    message: string,
    readonly virtualTokens: number,
    readonly maxPositions: number,
  ) {
    super('PROMPT_TOO_LONG', message);
  }
}

/** Prompt tuning's TEXT (or SAMPLE_VOCAB) initialisation cannot run: no tokenizer, an empty tokenisation, ids outside the vocabulary. */
export class PromptInitError extends PeftError {
  static {
    brandErrorClass(this, 'prompt-tuning', 'PromptInitError');
  }

  constructor(message: string) {
    super('PROMPT_INIT', message);
  }
}
