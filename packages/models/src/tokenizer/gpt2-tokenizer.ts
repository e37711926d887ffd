/**
 * GPT-2's byte-level BPE, through js-tiktoken with the `gpt2` ranks that ship
 * inside the npm package: nothing is downloaded. The same ids as Hugging Face's
 * GPT2Tokenizer, `<|endoftext|>` = 50256.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import gpt2Ranks from 'js-tiktoken/ranks/gpt2';
import { TokenIdOutOfRangeError } from '../errors';

export interface Tokenizer {
  readonly vocabSize: number;
  encode(text: string): number[];
  /** Text of the ids; ids outside [0, vocabSize) are a TokenIdOutOfRangeError. */
  decode(ids: readonly number[]): string;
}

export interface EncodeOptions {
  /** Encode `<|endoftext|>` written in the text as the special token (default true, as Hugging Face does); false encodes it as plain text. */
  readonly allowSpecial?: boolean;
}

let shared: Tiktoken | undefined;

export class GPT2Tokenizer implements Tokenizer {
  static readonly END_OF_TEXT = '<|endoftext|>';
  readonly vocabSize = 50257;
  readonly eosTokenId = 50256;
  private readonly bpe: Tiktoken;

  constructor() {
    // Parsing the 50k ranks takes a moment; every instance shares one encoder.
    shared ??= new Tiktoken(gpt2Ranks);
    this.bpe = shared;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.bpe.encode(text, options.allowSpecial === false ? [] : 'all', []);
  }

  decode(ids: readonly number[]): string {
    checkIds(ids, this.vocabSize, 'GPT2Tokenizer.decode');
    return this.bpe.decode([...ids]);
  }
}

export function checkIds(ids: readonly number[], vocabSize: number, what: string): void {
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new TokenIdOutOfRangeError(what, id, vocabSize);
  }
}
