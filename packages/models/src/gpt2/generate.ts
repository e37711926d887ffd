/**
 * Autoregressive generation for causal language models: greedy or sampled
 * (temperature, top-k, seeded), with or without the key/value cache. Both
 * paths feed the model the same positions and mask, so with the cache the
 * result equals the result without it; the cache only avoids recomputing the
 * keys and values of tokens already seen.
 */
import * as tf from '@tensorflow/tfjs-core';
import { defaultGenerator, Generator, InvalidArgumentError } from '@peftjs/core';
import { tidyOutput } from '../transformer/tidy-output';
import { tokenIdTensor } from '../transformer/token-ids';
import type { LogitsOutput, PastKeyValues, TransformerInput } from '../transformer/types';

/** Token rows: equal-length arrays, or an int32 tensor [batch, seq]. */
export type TokenRows = readonly (readonly number[])[] | tf.Tensor;

export interface GenerateOptions {
  /** Tokens to add to each row (at most; rows stop at the end-of-sequence token). */
  readonly maxNewTokens: number;
  /** Sample from the distribution instead of taking the most likely token (default false: greedy). */
  readonly doSample?: boolean;
  /** Divides the logits before sampling (default 1). */
  readonly temperature?: number;
  /** Sample among the k most likely tokens only, ties with the k-th included (default: all). */
  readonly topK?: number;
  /**
   * Nucleus sampling (transformers' TopPLogitsWarper, applied after temperature
   * and top-k): drop the least likely tokens whose probabilities, with all less
   * likely ones, sum to at most 1 - topP; the most likely token always stays.
   * In (0, 1]; default 1 (off).
   */
  readonly topP?: number;
  /** Seed of the sampling generator; default: core's global generator (`manualSeed`). */
  readonly seed?: number;
  /**
   * Stops a row once generated (one id, or several as Llama 3's configs list);
   * default: the model's `eosTokenId` if inside the vocabulary. `null`: never stop early.
   */
  readonly eosTokenId?: number | readonly number[] | null;
  /** Token sequences that end a row when its tokens end with one (kept in the output, as an eos token is). */
  readonly stopSequences?: readonly (readonly number[])[];
  /** Fills finished rows (default: the (first) eos token, else 0). */
  readonly padTokenId?: number;
  /** 1 for real prompt tokens, 0 for (left) padding; default all ones. */
  readonly attentionMask?: TokenRows;
  /** Reuse keys and values of earlier steps (default true). */
  readonly useCache?: boolean;
}

/** What generation needs of a model: a vocabulary and logits [batch, seq, vocab] for a forward call. */
export interface CausalLanguageModel {
  readonly config: { readonly vocabSize: number; readonly maxPositions?: number; readonly eosTokenId?: number | readonly number[] };
  call(input: TransformerInput): LogitsOutput;
}

/** Returns each prompt row followed by its generated tokens. Leaves no tensor behind. */
export function generate(model: CausalLanguageModel, inputIds: TokenRows, options: GenerateOptions): number[][] {
  const { vocabSize, maxPositions } = model.config;
  const rows = toRows(inputIds, 'inputIds');
  const mask = options.attentionMask === undefined ? rows.map((row) => row.map(() => 1)) : toRows(options.attentionMask, 'attentionMask');
  const settings = checkOptions(options, model.config, rows, mask);
  const rng = options.seed === undefined ? defaultGenerator() : new Generator(options.seed);
  const useCache = options.useCache ?? true;
  if (maxPositions !== undefined && rows[0].length + settings.maxNewTokens > maxPositions) {
    throw new InvalidArgumentError(
      `generate: prompt length ${rows[0].length} + maxNewTokens ${settings.maxNewTokens} exceeds the model's maxPositions ${maxPositions}`,
    );
  }

  const finished = rows.map(() => false);
  let past: PastKeyValues | undefined;
  let cached = 0;
  try {
    for (let step = 0; step < settings.maxNewTokens && !finished.every(Boolean); step++) {
      const start = useCache ? cached : 0;
      const positions = positionsFromMask(mask);
      const result = tidyOutput(() => {
        // Checked here, on the CPU, so the forward pass never reads ids back from a GPU.
        const slice = (table: number[][], bound: number, what: string) => tokenIdTensor(table.map((row) => row.slice(start)), bound, what);
        const out = model.call({
          inputIds: slice(rows, vocabSize, 'inputIds'),
          positionIds: slice(positions, maxPositions ?? Number.MAX_SAFE_INTEGER, 'positionIds'),
          attentionMask: tf.tensor2d(mask, [rows.length, mask[0].length], 'int32'),
          pastKeyValues: past,
          useCache,
        });
        const [batch, seq, vocab] = out.logits.shape;
        const last = tf.reshape(tf.slice(out.logits, [0, seq - 1, 0], [batch, 1, vocab]), [batch, vocab]);
        return { last, past: out.pastKeyValues };
      });
      tf.dispose(past);
      past = result.past;
      cached = rows[0].length;
      const logits = result.last.dataSync() as Float32Array;
      result.last.dispose();
      rows.forEach((row, r) => {
        const scores = logits.subarray(r * vocabSize, (r + 1) * vocabSize);
        const token = finished[r] ? settings.padTokenId : options.doSample ? sample(scores, settings, rng) : argmax(scores);
        row.push(token);
        mask[r].push(1);
        if (settings.eosTokenIds.includes(token) || endsWithStopSequence(row, settings.stopSequences)) finished[r] = true;
      });
    }
  } finally {
    tf.dispose(past);
  }
  return rows;
}

interface Settings {
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  eosTokenIds: readonly number[];
  stopSequences: readonly (readonly number[])[];
  padTokenId: number;
}

/** At most this many stop sequences of at most this many tokens: each is compared after every token. */
const MAX_STOP_SEQUENCES = 64;
const MAX_STOP_SEQUENCE_LENGTH = 256;

function checkOptions(options: GenerateOptions, config: CausalLanguageModel['config'], rows: number[][], mask: number[][]): Settings {
  const { maxNewTokens, temperature = 1, topK = 0, topP = 1 } = options;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
    throw new InvalidArgumentError(`generate maxNewTokens: expected an integer >= 0, found ${maxNewTokens}`);
  }
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new InvalidArgumentError(`generate temperature: expected a number > 0, found ${temperature}`);
  if (!Number.isInteger(topK) || topK < 0) throw new InvalidArgumentError(`generate topK: expected an integer >= 0, found ${topK}`);
  if (!(typeof topP === 'number' && topP > 0 && topP <= 1)) throw new InvalidArgumentError(`generate topP: expected a number in (0, 1], found ${topP}`);
  if (mask.length !== rows.length || mask.some((row) => row.length !== rows[0].length)) {
    throw new InvalidArgumentError(`generate attentionMask: expected the shape of inputIds [${rows.length}, ${rows[0].length}]`);
  }
  const isTokenId = (id: unknown): id is number => typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < config.vocabSize;
  // A config may list several (Llama 3); those inside the vocabulary count.
  const modelEos = (config.eosTokenId === undefined ? [] : typeof config.eosTokenId === 'number' ? [config.eosTokenId] : [...config.eosTokenId]).filter((id) => id < config.vocabSize);
  const given = options.eosTokenId;
  const eosTokenIds = given === null ? [] : given === undefined ? modelEos : Array.isArray(given) ? [...given] : [given as number];
  const padTokenId = options.padTokenId ?? eosTokenIds[0] ?? 0;
  for (const [what, ids] of [['eosTokenId', eosTokenIds], ['padTokenId', [padTokenId]]] as const) {
    const bad = ids.find((id) => !isTokenId(id));
    if (bad !== undefined) throw new InvalidArgumentError(`generate ${what}: expected token ids in [0, ${config.vocabSize - 1}], found ${String(bad).slice(0, 40)}`);
  }
  const stopSequences = options.stopSequences ?? [];
  if (!Array.isArray(stopSequences) || stopSequences.length > MAX_STOP_SEQUENCES) {
    throw new InvalidArgumentError(`generate stopSequences: expected an array of at most ${MAX_STOP_SEQUENCES} token-id sequences`);
  }
  stopSequences.forEach((sequence, i) => {
    if (!Array.isArray(sequence) || sequence.length === 0 || sequence.length > MAX_STOP_SEQUENCE_LENGTH || !sequence.every(isTokenId)) {
      throw new InvalidArgumentError(
        `generate stopSequences[${i}]: expected 1 to ${MAX_STOP_SEQUENCE_LENGTH} token ids in [0, ${config.vocabSize - 1}], found ${JSON.stringify(sequence)?.slice(0, 60)}`,
      );
    }
  });
  return { maxNewTokens, temperature, topK, topP, eosTokenIds, stopSequences, padTokenId };
}

/** Whether `row` ends with one of the stop sequences. */
function endsWithStopSequence(row: readonly number[], stopSequences: Settings['stopSequences']): boolean {
  return stopSequences.some((sequence) => sequence.length <= row.length && sequence.every((id, i) => row[row.length - sequence.length + i] === id));
}

function toRows(input: TokenRows, what: string): number[][] {
  const rows = input instanceof tf.Tensor ? (input.arraySync() as number[][]) : input.map((row) => [...row]);
  if (!Array.isArray(rows) || rows.length === 0 || !Array.isArray(rows[0]) || rows[0].length === 0) {
    throw new InvalidArgumentError(`generate ${what}: expected a non-empty [batch, seq] table of token ids`);
  }
  if (rows.some((row) => row.length !== rows[0].length)) {
    throw new InvalidArgumentError(`generate ${what}: rows have different lengths (${rows.map((row) => row.length).join(', ')}); pad them and pass an attentionMask`);
  }
  return rows;
}

/** Hugging Face's positions for (left-)padded rows: the count of real tokens before each one; padding gets 1. */
export function positionsFromMask(mask: readonly (readonly number[])[]): number[][] {
  return mask.map((row) => {
    let seen = 0;
    return row.map((m) => {
      if (m === 0) return 1;
      return seen++;
    });
  });
}

/** Index of the largest score; the first one on ties, as torch.argmax. */
export function argmax(scores: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}

/**
 * One draw from softmax(scores / temperature) restricted to the top k and then
 * to the top-p nucleus, computed in float64 from one uniform number.
 */
export function sample(scores: ArrayLike<number>, settings: Pick<Settings, 'temperature' | 'topK'> & { topP?: number }, rng: Generator): number {
  const scaled = Array.from(scores, (s) => s / settings.temperature);
  let threshold = -Infinity;
  if (settings.topK > 0 && settings.topK < scaled.length) threshold = [...scaled].sort((a, b) => b - a)[settings.topK - 1];
  const max = scaled.reduce((m, s) => (s >= threshold && s > m ? s : m), -Infinity);
  const weights = scaled.map((s) => (s >= threshold ? Math.exp(s - max) : 0));
  if ((settings.topP ?? 1) < 1) keepNucleus(weights, settings.topP!);
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.uniform() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  // Rounding left u a hair above zero: take the last token with weight.
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
  return 0;
}

/**
 * transformers' top-p rule on unnormalised weights, in place: in ascending
 * order of probability, a token goes while the cumulative probability up to and
 * including it is at most 1 - topP; the most likely token always stays. Ties
 * sort by index, as a stable sort does.
 */
export function keepNucleus(weights: number[], topP: number): void {
  const total = weights.reduce((a, b) => a + b, 0);
  const ascending = weights.map((w, i) => i).sort((a, b) => weights[a] - weights[b] || a - b);
  let cumulative = 0;
  for (let k = 0; k < ascending.length - 1; k++) {
    cumulative += weights[ascending[k]] / total;
    if (cumulative > 1 - topP) break;
    weights[ascending[k]] = 0;
  }
}
