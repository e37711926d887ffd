/**
 * Bounds on what HFTokenizer accepts, so that a hostile or broken file fails
 * with a typed error instead of exhausting memory. Each is several times the
 * largest real file of its kind we know of (Gemma's tokenizer.json, 256k
 * tokens, is about 34 MB; chat templates are tens of kilobytes).
 */
export const HF_TOKENIZER_LIMITS = Object.freeze({
  /** tokenizer.json as text, in UTF-16 code units (64 Mi). */
  tokenizerJsonChars: 64 * 1024 * 1024,
  /** tokenizer_config.json as text (8 Mi). */
  tokenizerConfigChars: 8 * 1024 * 1024,
  /** Entries of the model's vocabulary, and BPE merges (4 Mi each). */
  vocabEntries: 4 * 1024 * 1024,
  merges: 4 * 1024 * 1024,
  /** added_tokens entries (1 Mi). */
  addedTokens: 1024 * 1024,
  /** Length of one normalizer / pre-tokenizer / decoder pattern: the regexes run on every text (16 Ki). */
  patternChars: 16 * 1024,
  /** Nesting of Sequence components (real files nest one level). */
  componentDepth: 16,
  /** One chat template (1 Mi). */
  templateChars: 1024 * 1024,
  /** The messages, tools and documents given to a template, as JSON (16 Mi). */
  chatInputChars: 16 * 1024 * 1024,
  /** What a template renders (16 Mi). */
  renderedChars: 16 * 1024 * 1024,
  /** Items of one `range(...)` in a template: the library builds the list eagerly (1 Mi). */
  templateRangeItems: 1024 * 1024,
});
