/**
 * Any Hugging Face fast tokenizer (tokenizer.json + tokenizer_config.json) —
 * GPT-2 and Qwen byte-level BPE, Llama/Mistral SentencePiece BPE with byte
 * fallback, WordPiece, Unigram — run by @huggingface/tokenizers (pure JS, no
 * dependencies, browser-safe), with transformers' conventions on top: special
 * tokens by role, padding and truncation sides, chat templates.
 *
 * Not @huggingface/transformers: it would bring onnxruntime-node/-web and sharp
 * along (README, "Hugging Face tokenizers").
 */
import { InvalidArgumentError, quoteText } from '@peftjs/core';
import { Tokenizer as CoreTokenizer } from '@huggingface/tokenizers';
import { ChatTemplates, renderChatTemplate, type ChatMessage, type ChatTemplateOptions } from './chat-template';
import { readTokenizerSettings, SPECIAL_TOKEN_ROLES, type TokenizerSide, type SpecialTokenRole, type TokenizerSettings } from './hf-config';
import { configPostProcessor } from './config-post-processor';
import { checkTokenizerJson, readJsonFile, type JsonFileInput } from './hf-json';
import { HF_TOKENIZER_LIMITS } from './hf-limits';
import { padRows, type BatchEncoding } from './pad-rows';
import { TokenizerFormatError } from './tokenizer-errors';
import { checkIds, type Tokenizer } from './gpt2-tokenizer';

export interface HFTokenizerFiles {
  /** tokenizer.json, as text (at most HF_TOKENIZER_LIMITS.tokenizerJsonChars) or parsed. */
  readonly tokenizer: JsonFileInput;
  /** tokenizer_config.json, as text or parsed: special tokens by role, padding side, chat template. */
  readonly tokenizerConfig?: JsonFileInput;
}

export interface HFEncodeOptions {
  /** Add what the post-processor adds (Llama's `<s>`, BERT's [CLS] … [SEP]); default true. */
  readonly addSpecialTokens?: boolean;
  /** Keep at most this many ids, special tokens included (cut on the config's truncation_side, else the right). */
  readonly maxLength?: number;
}

export interface HFBatchEncodeOptions extends HFEncodeOptions {
  /** 'longest' (default) pads every row to the longest; 'maxLength' pads to maxLength. */
  readonly padding?: 'longest' | 'maxLength';
  /** Default: tokenizer_config.json's padding_side, else 'right'. */
  readonly paddingSide?: TokenizerSide;
  /** Default: the pad token's id. Tokenizers without one (GPT-2) need it given, often as the eos id. */
  readonly padTokenId?: number;
}

export interface HFDecodeOptions {
  /** Leave out special tokens (bos, eos, pad, added tokens marked special); default false. */
  readonly skipSpecialTokens?: boolean;
  /** Undo spaces before punctuation (" ." → "."); default tokenizer_config.json's clean_up_tokenization_spaces, else false. */
  readonly cleanUpTokenizationSpaces?: boolean;
}

export type { BatchEncoding } from './pad-rows';

export class HFTokenizer implements Tokenizer {
  /** One more than the largest id of the vocabulary and the added tokens. */
  readonly vocabSize: number;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  readonly padTokenId: number | undefined;
  readonly unkTokenId: number | undefined;
  /** Text of the special tokens tokenizer_config.json names, by role ('bos_token', 'eos_token', ...). */
  readonly specialTokens: Readonly<Partial<Record<SpecialTokenRole, string>>>;
  readonly paddingSide: TokenizerSide;
  readonly truncationSide: TokenizerSide;
  private readonly specialTokenCount: number;

  private constructor(
    private readonly core: CoreTokenizer,
    private readonly settings: TokenizerSettings,
    private readonly templates: ChatTemplates | undefined,
  ) {
    this.vocabSize = core.model?.vocab.length ?? 0;
    this.specialTokens = settings.specialTokens;
    const idOf = (role: SpecialTokenRole) => {
      const text = settings.specialTokens[role];
      if (text === undefined) return undefined;
      const id = core.token_to_id(text);
      if (id === undefined) throw new TokenizerFormatError('tokenizer_config.json', role, `expected a token of tokenizer.json's vocabulary, found ${quoteText(text, 60)}, which is not`);
      return id;
    };
    for (const role of SPECIAL_TOKEN_ROLES) idOf(role);
    this.bosTokenId = idOf('bos_token');
    this.eosTokenId = idOf('eos_token');
    this.padTokenId = idOf('pad_token');
    this.unkTokenId = idOf('unk_token');
    this.paddingSide = settings.paddingSide;
    this.truncationSide = settings.truncationSide;
    this.specialTokenCount = this.withSpecialTokens([]).length;
  }

  /** From the two files, as text or parsed. Bad input is a TokenizerFormatError naming the file and field. */
  static fromFiles(files: HFTokenizerFiles): HFTokenizer {
    const json = checkTokenizerJson(readJsonFile(files.tokenizer, 'tokenizer.json', HF_TOKENIZER_LIMITS.tokenizerJsonChars));
    const config = files.tokenizerConfig === undefined ? {} : readJsonFile(files.tokenizerConfig, 'tokenizer_config.json', HF_TOKENIZER_LIMITS.tokenizerConfigChars);
    const settings = readTokenizerSettings(config);
    const templates = ChatTemplates.fromConfig(config.chat_template);
    const { bos_token: bos, eos_token: eos } = settings.specialTokens;
    const postProcessor = configPostProcessor(json, config, { bos, eos });
    let core: CoreTokenizer;
    try {
      core = new CoreTokenizer({ ...json, post_processor: postProcessor }, settings.libraryConfig);
    } catch (error) {
      // What the checks above let through and the library still refuses, e.g. a regex it cannot translate.
      const message = error instanceof Error ? error.message : String(error);
      throw new TokenizerFormatError('tokenizer.json', '', `expected a tokenizer @huggingface/tokenizers can build, found it fails with ${quoteText(message, 200)}`, { cause: error });
    }
    return new HFTokenizer(core, settings, templates);
  }

  encode(text: string, options: HFEncodeOptions = {}): number[] {
    checkText(text, 'encode');
    const add = options.addSpecialTokens ?? true;
    if (options.maxLength === undefined) return this.core.encode(text, { add_special_tokens: add }).ids;
    const room = this.checkMaxLength(options.maxLength, add) - (add ? this.specialTokenCount : 0);
    // As transformers does: cut the text's ids, then add the special tokens, so they survive truncation.
    const ids = this.core.encode(text, { add_special_tokens: false }).ids;
    const kept = ids.length <= room ? ids : this.truncationSide === 'left' ? ids.slice(ids.length - room) : ids.slice(0, room);
    return add ? this.withSpecialTokens(kept) : kept;
  }

  /** Rows of ids with their attention masks (1 for a token, 0 for padding), padded to one length. */
  encodeBatch(texts: readonly string[], options: HFBatchEncodeOptions = {}): BatchEncoding {
    if (!Array.isArray(texts)) throw new InvalidArgumentError(`HFTokenizer.encodeBatch: expected an array of strings, found ${typeof texts}`);
    const padTokenId = options.padTokenId ?? this.padTokenId;
    if (padTokenId === undefined) {
      throw new InvalidArgumentError('HFTokenizer.encodeBatch: expected a pad token (tokenizer_config.json pad_token, or the padTokenId option), found none');
    }
    checkIds([padTokenId], this.vocabSize, 'HFTokenizer.encodeBatch padTokenId');
    const padding = options.padding ?? 'longest';
    if (padding !== 'longest' && padding !== 'maxLength') throw new InvalidArgumentError(`HFTokenizer.encodeBatch padding: expected 'longest' or 'maxLength', found ${quoteText(String(padding), 40)}`);
    if (padding === 'maxLength' && options.maxLength === undefined) throw new InvalidArgumentError("HFTokenizer.encodeBatch: padding 'maxLength' expects maxLength, found none");
    const side = options.paddingSide ?? this.paddingSide;
    if (side !== 'left' && side !== 'right') throw new InvalidArgumentError(`HFTokenizer.encodeBatch paddingSide: expected 'left' or 'right', found ${quoteText(String(side), 40)}`);
    const rows = texts.map((text) => this.encode(text, options));
    return padRows(rows, { padTokenId, side, length: padding === 'maxLength' ? options.maxLength : undefined });
  }

  decode(ids: readonly number[], options: HFDecodeOptions = {}): string {
    checkIds(ids, this.vocabSize, 'HFTokenizer.decode');
    for (const id of ids) {
      // A gap in the vocabulary's ids: the library would decode it as the unknown token.
      if (this.core.id_to_token(id) === undefined) throw new InvalidArgumentError(`HFTokenizer.decode: expected ids of tokens, found ${id}, which names none in this vocabulary`);
    }
    if (ids.length === 0) return ''; // the library refuses an empty list
    return this.core.decode([...ids], {
      skip_special_tokens: options.skipSpecialTokens ?? false,
      clean_up_tokenization_spaces: options.cleanUpTokenizationSpaces ?? this.settings.cleanUpTokenizationSpaces,
    });
  }

  /** The token strings `encode` maps to ids (byte-level tokens as the vocabulary writes them, 'Ġworld'). */
  tokenize(text: string, options: Pick<HFEncodeOptions, 'addSpecialTokens'> = {}): string[] {
    checkText(text, 'tokenize');
    return this.core.tokenize(text, { add_special_tokens: options.addSpecialTokens ?? false });
  }

  tokenToId(token: string): number | undefined {
    return this.core.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 ? this.core.id_to_token(id) : undefined;
  }

  /** Names of the chat templates tokenizer_config.json holds ('default' for the single-string form); empty without one. */
  get chatTemplateNames(): string[] {
    return this.templates?.names ?? [];
  }

  /** The conversation as the model's chat template writes it (transformers' apply_chat_template with tokenize=False). */
  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    if (this.templates === undefined) throw new InvalidArgumentError('HFTokenizer.applyChatTemplate: expected a tokenizer_config.json with a chat_template, found none');
    const tokens: Record<string, string | readonly string[]> = { ...this.settings.specialTokens, additional_special_tokens: this.settings.additionalSpecialTokens };
    return renderChatTemplate(this.templates, messages, options, tokens);
  }

  /** The rendered conversation's ids. The template writes the special tokens it wants, so none are added again (as transformers does). */
  encodeChat(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): number[] {
    return this.encode(this.applyChatTemplate(messages, options), { addSpecialTokens: false });
  }

  private withSpecialTokens(ids: readonly number[]): number[] {
    const processor = this.core.post_processor;
    if (processor === null) return [...ids];
    const tokens = ids.map((id) => this.core.id_to_token(id) as string);
    // Vocabulary ids are unique (checked on load), so token → id gives back the ids given.
    return processor.post_process(tokens, undefined, true).tokens.map((token) => this.core.token_to_id(token) as number);
  }

  private checkMaxLength(maxLength: number, withSpecialTokens: boolean): number {
    const least = withSpecialTokens ? this.specialTokenCount : 0;
    if (!Number.isSafeInteger(maxLength) || maxLength < Math.max(1, least)) {
      throw new InvalidArgumentError(`HFTokenizer maxLength: expected an integer >= ${Math.max(1, least)}${least > 0 ? ' (room for the special tokens)' : ''}, found ${maxLength}`);
    }
    return maxLength;
  }
}

function checkText(text: unknown, what: string): void {
  if (typeof text !== 'string') throw new InvalidArgumentError(`HFTokenizer.${what}: expected a string, found ${text === null ? 'null' : typeof text}`);
}
