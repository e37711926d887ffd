/**
 * A smaller vocabulary over a base tokenizer, for models sized for a CPU: the
 * N most frequent base ids of a corpus keep a place, everything else becomes
 * `<unk>`. Id 0 is `<unk>`, then the ids kept on purpose (the base's
 * end-of-text by default), then the rest by falling frequency (ties: lower base
 * id first), so the same corpus always gives the same mapping.
 */
import { InvalidArgumentError } from '@peftjs/core';
import { checkIds, type Tokenizer } from './gpt2-tokenizer';

export interface RemapOptions {
  /** Base ids that get a place whatever their frequency (default: the base's eosTokenId, if any). */
  readonly keep?: readonly number[];
  /** Text `decode` writes for the unknown id (default '<unk>'). */
  readonly unkText?: string;
}

/** The mapping as plain JSON, to save beside a model. */
export interface RemappedVocabulary {
  /** Base id of each new id; entry 0 (the unknown id) is -1. */
  readonly baseIds: readonly number[];
  readonly unkText: string;
}

type BaseTokenizer = Tokenizer & { readonly eosTokenId?: number };

export class RemappedTokenizer implements Tokenizer {
  readonly unkTokenId = 0;
  readonly eosTokenId: number | undefined;
  private readonly toNew: Map<number, number>;

  private constructor(
    readonly base: BaseTokenizer,
    private readonly vocabulary: RemappedVocabulary,
  ) {
    this.toNew = new Map(vocabulary.baseIds.map((baseId, id) => [baseId, id]));
    this.toNew.delete(-1);
    this.eosTokenId = base.eosTokenId === undefined ? undefined : this.toNew.get(base.eosTokenId);
  }

  /** Keeps the `size - 1 - keep.length` most frequent base ids of `corpus` (size counts `<unk>` and the kept ids). */
  static fromCorpus(base: BaseTokenizer, corpus: Iterable<string>, size: number, options: RemapOptions = {}): RemappedTokenizer {
    const keep = [...new Set(options.keep ?? (base.eosTokenId === undefined ? [] : [base.eosTokenId]))];
    checkIds(keep, base.vocabSize, 'RemappedTokenizer keep');
    if (!Number.isInteger(size) || size < 1 + keep.length) {
      throw new InvalidArgumentError(`RemappedTokenizer size: expected an integer >= ${1 + keep.length} (<unk> and the kept ids), found ${size}`);
    }
    const counts = new Map<number, number>();
    for (const text of corpus) for (const id of base.encode(text)) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const id of keep) counts.delete(id);
    const frequent = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id);
    const baseIds = [-1, ...keep, ...frequent.slice(0, size - 1 - keep.length)];
    return new RemappedTokenizer(base, { baseIds, unkText: options.unkText ?? '<unk>' });
  }

  static fromJSON(base: BaseTokenizer, vocabulary: RemappedVocabulary): RemappedTokenizer {
    const { baseIds } = vocabulary;
    if (!Array.isArray(baseIds) || baseIds[0] !== -1 || new Set(baseIds).size !== baseIds.length) {
      throw new InvalidArgumentError('RemappedTokenizer.fromJSON: expected baseIds starting with -1 (the unknown id), without repeats');
    }
    checkIds(baseIds.slice(1), base.vocabSize, 'RemappedTokenizer.fromJSON baseIds');
    return new RemappedTokenizer(base, { baseIds: [...baseIds], unkText: String(vocabulary.unkText ?? '<unk>') });
  }

  get vocabSize(): number {
    return this.vocabulary.baseIds.length;
  }

  toJSON(): RemappedVocabulary {
    return { baseIds: [...this.vocabulary.baseIds], unkText: this.vocabulary.unkText };
  }

  encode(text: string): number[] {
    return this.base.encode(text).map((id) => this.toNew.get(id) ?? this.unkTokenId);
  }

  decode(ids: readonly number[]): string {
    checkIds(ids, this.vocabSize, 'RemappedTokenizer.decode');
    // Runs of known ids decode together: a character's UTF-8 bytes may span several byte-level tokens.
    let text = '';
    let run: number[] = [];
    const flush = () => {
      if (run.length > 0) text += this.base.decode(run);
      run = [];
    };
    for (const id of ids) {
      if (id === this.unkTokenId) {
        flush();
        text += this.vocabulary.unkText;
      } else run.push(this.vocabulary.baseIds[id]);
    }
    flush();
    return text;
  }
}
