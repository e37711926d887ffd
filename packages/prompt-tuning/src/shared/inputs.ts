/**
 * Reading and rewriting a transformer's input (the fields of @peftjs/models'
 * `TransformerInput`) around virtual tokens, shared by the three methods.
 *
 * Virtual tokens sit before the real ones in every respect: they take
 * positions 0..n-1 (so the caller's positions move up by n, as Hugging Face's
 * positions do once peft extends the attention mask), they are always attended
 * to (the mask gains n ones in front), and a key/value cache returned by a
 * prompted call already holds them, so a call that continues from a cache only
 * extends the mask and shifts the positions.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError } from '@peftjs/core';
import { PromptTooLongError } from '../errors';

/** One layer's attention keys and values, each [batch, numHeads, length, headDim]. */
export type KeyValue = { readonly key: tf.Tensor; readonly value: tf.Tensor };

/** The input fields prompt learning reads or rewrites; others pass through untouched. */
export interface PromptInput {
  readonly inputIds?: tf.Tensor;
  readonly inputsEmbeds?: tf.Tensor;
  readonly attentionMask?: tf.Tensor;
  readonly positionIds?: tf.Tensor;
  /** BERT's segment ids: the virtual tokens get segment 0, as peft gives them. */
  readonly tokenTypeIds?: tf.Tensor;
  readonly pastKeyValues?: readonly KeyValue[];
  readonly [field: string]: unknown;
}

export interface InputShape {
  readonly batch: number;
  readonly seq: number;
  /** Length of `pastKeyValues` (0 without): > 0 means the call continues from a prompted cache. */
  readonly pastLength: number;
}

/** Checks that `raw` is a transformer input object and returns its batch, length and past length. */
export function readInput(raw: unknown, method: string): { input: PromptInput; shape: InputShape } {
  if (typeof raw !== 'object' || raw === null || raw instanceof tf.Tensor || Array.isArray(raw)) {
    const found = raw instanceof tf.Tensor ? `a tensor of shape [${raw.shape.join(', ')}]` : String(raw);
    throw new InvalidArgumentError(`${method}: expected a transformer input { inputIds | inputsEmbeds, attentionMask?, ... }, found ${found}`);
  }
  const input = raw as PromptInput;
  const tokens = input.inputIds ?? input.inputsEmbeds;
  if (tokens === undefined || (input.inputIds !== undefined && input.inputsEmbeds !== undefined)) {
    throw new InvalidArgumentError(`${method}: expected exactly one of inputIds and inputsEmbeds, found ${tokens === undefined ? 'neither' : 'both'}`);
  }
  const rank = input.inputIds !== undefined ? 2 : 3;
  if (tokens.rank !== rank) {
    throw new ShapeMismatchError(`${method} ${input.inputIds !== undefined ? 'inputIds [batch, seq]' : 'inputsEmbeds [batch, seq, hidden]'}`, new Array(rank).fill(null), tokens.shape);
  }
  const pastLength = input.pastKeyValues?.[0]?.key.shape[2] ?? 0;
  return { input, shape: { batch: tokens.shape[0] as number, seq: tokens.shape[1] as number, pastLength } };
}

/**
 * Throws a PromptTooLongError when the call needs more positions than the
 * model has: the virtual tokens (held in the past when continuing from a
 * cache, added by this call otherwise), the past and the input.
 */
export function checkContext(method: string, shape: InputShape, count: number, maxPositions: number): void {
  const needed = shape.pastLength + shape.seq + (shape.pastLength > 0 ? 0 : count);
  if (needed <= maxPositions) return;
  const past = shape.pastLength > 0 ? `a past of ${shape.pastLength} positions (with its ${count} virtual tokens)` : `${count} virtual tokens`;
  throw new PromptTooLongError(`${method}: ${past} + ${shape.seq} input tokens = ${needed} positions, over the model's maxPositions ${maxPositions}`, count, maxPositions);
}

/** The mask with `count` ones in front (virtual tokens are always attended to). Undefined stays undefined. */
export function maskWithVirtualTokens(mask: tf.Tensor | undefined, batch: number, count: number): tf.Tensor | undefined {
  if (mask === undefined) return undefined;
  if (mask.rank !== 2 || mask.shape[0] !== batch) throw new ShapeMismatchError('attentionMask [batch, length]', [batch, null], mask.shape);
  return tf.concat([tf.ones([batch, count], mask.dtype), mask], 1);
}

/** The caller's positions moved up by `count`, with `0..count-1` in front when the virtual tokens are part of this call. */
export function positionsWithVirtualTokens(positions: tf.Tensor | undefined, count: number, prepend: boolean): tf.Tensor | undefined {
  if (positions === undefined) return undefined;
  if (positions.rank !== 2) throw new ShapeMismatchError('positionIds [batch, seq]', [null, null], positions.shape);
  const shifted = tf.add(positions, tf.scalar(count, 'int32'));
  if (!prepend) return shifted;
  const virtual = tf.tile(tf.reshape(tf.range(0, count, 1, 'int32'), [1, count]), [positions.shape[0], 1]);
  return tf.concat([virtual, shifted], 1);
}

/**
 * Backends whose tensors live in CPU memory, where reading ids back costs a
 * copy and no GPU stall: the same rule as @peftjs/models' SYNC_READ_BACKENDS
 * (this package does not depend on models at run time).
 */
const SYNC_READ_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'wasm', 'tensorflow']);

/**
 * Token embeddings of checked ids: gather reads garbage for ids outside the
 * table on cpu and wasm. On GPU backends (webgl, webgpu) the ids are not read
 * back: a synchronous read in every forward stalls the GPU (and breaks
 * WebGPU), and gather there clamps instead of reading outside the table.
 * Callers on GPU backends check ids where they make them (models'
 * tokenIdTensor / checkTokenIdsAsync).
 */
export function checkTokenIds(ids: tf.Tensor, vocabSize: number, method: string): void {
  if (ids.dtype !== 'int32') throw new InvalidArgumentError(`${method} inputIds: expected int32 token ids, found dtype ${ids.dtype}`);
  if (!SYNC_READ_BACKENDS.has(tf.getBackend())) return;
  const values = ids.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (values[i] < 0 || values[i] >= vocabSize) {
      throw new InvalidArgumentError(`${method} inputIds: expected ids in [0, ${vocabSize - 1}], found ${values[i]}`);
    }
  }
}

/** tf.tidy for functions that return output objects: the returned tensors (at any depth) are kept. */
export function tidyOutput<T>(fn: () => T): T {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as T;
}
