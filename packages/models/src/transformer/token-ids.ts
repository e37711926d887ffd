/**
 * Range checks of token ids (and position ids) before an embedding gathers
 * them: tfjs' gather reads garbage for an id outside the table on some
 * backends, so an out-of-range id must be a TokenIdOutOfRangeError first.
 *
 * Reading ids back from the device costs nothing on the backends whose tensors
 * live in CPU memory, but on webgl it stalls the pipeline and on webgpu a
 * synchronous read is not supported at all. So a forward pass checks
 * synchronously only there (SYNC_READ_BACKENDS); on any other backend it skips
 * the read, and ids are checked where the caller has them anyway: on the CPU
 * (`tokenIdTensor`, which generation uses) or once, asynchronously, at an
 * entry point (`checkTokenIdsAsync`, for training loops). A tensor checked
 * either way is remembered and never read again (tensors are immutable).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@peftjs/core';
import { TokenIdOutOfRangeError } from '../errors';

/** Backends where `dataSync` is a memory copy: cpu, wasm, and libtensorflow's (tfjs-node). */
export const SYNC_READ_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'wasm', 'tensorflow']);

/** The largest id of each tensor already checked; all its ids are >= 0. */
const largestCheckedId = new WeakMap<tf.Tensor, number>();

/**
 * Throws a typed error if any id is outside [0, vocabSize). Reads the ids back
 * only on SYNC_READ_BACKENDS and only for a tensor not checked before.
 */
export function checkTokenIds(ids: tf.Tensor, vocabSize: number, what: string): void {
  checkDtype(ids, what);
  if (checkRemembered(ids, vocabSize, what)) return;
  if (!SYNC_READ_BACKENDS.has(tf.getBackend())) return;
  remember(ids, scan(ids.dataSync(), vocabSize, what));
}

/** The same check without a synchronous read, for entry points on GPU backends; later forwards skip this tensor. */
export async function checkTokenIdsAsync(ids: tf.Tensor, vocabSize: number, what: string): Promise<void> {
  checkDtype(ids, what);
  if (checkRemembered(ids, vocabSize, what)) return;
  remember(ids, scan(await ids.data(), vocabSize, what));
}

/** An int32 [rows, columns] tensor of ids checked here on the CPU, so no forward reads it back. */
export function tokenIdTensor(rows: readonly (readonly number[])[], vocabSize: number, what: string): tf.Tensor2D {
  const columns = rows[0]?.length ?? 0;
  const flat = new Int32Array(rows.length * columns);
  rows.forEach((row, r) => {
    if (row.length !== columns) throw new InvalidArgumentError(`${what}: expected rows of ${columns} ids, found a row of ${row.length}`);
    for (let c = 0; c < columns; c++) {
      if (!Number.isInteger(row[c])) throw new InvalidArgumentError(`${what}: expected integer ids, found ${row[c]}`);
      flat[r * columns + c] = row[c];
    }
  });
  const largest = scan(flat, vocabSize, what);
  const tensor = tf.tensor2d(flat, [rows.length, columns], 'int32');
  remember(tensor, largest);
  return tensor;
}

function checkDtype(ids: tf.Tensor, what: string): void {
  if (ids.dtype !== 'int32') throw new InvalidArgumentError(`${what}: expected int32 token ids, found dtype ${ids.dtype}`);
}

/** True when this tensor was checked before (throwing if its ids do not fit this vocabulary). */
function checkRemembered(ids: tf.Tensor, vocabSize: number, what: string): boolean {
  const largest = largestCheckedId.get(ids);
  if (largest === undefined) return false;
  if (largest >= vocabSize) throw new TokenIdOutOfRangeError(what, largest, vocabSize);
  return true;
}

/** The largest id, after checking that all are in [0, vocabSize). */
function scan(values: ArrayLike<number>, vocabSize: number, what: string): number {
  let largest = -1;
  for (let i = 0; i < values.length; i++) {
    const id = values[i];
    if (id < 0 || id >= vocabSize) throw new TokenIdOutOfRangeError(what, id, vocabSize);
    if (id > largest) largest = id;
  }
  return largest;
}

function remember(ids: tf.Tensor, largest: number): void {
  // A Variable's values change under the same object: check it every time.
  if (!(ids instanceof tf.Variable)) largestCheckedId.set(ids, largest);
}
