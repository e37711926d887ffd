/** Timing and size measurements shared by the runners. */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { encodeSafetensors } from '@peftjs/core';
import type { AnyModel, PreparedTask } from '../types';
import { median } from './stats';

export type Forward = () => tf.TensorContainer;

/** ms per call of `calls` back-to-back forward passes. */
function timeCalls(forward: Forward, calls: number): number {
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const output = forward();
    // Read one value so asynchronous backends have finished the work.
    const first = (Array.isArray(output) ? output[0] : output) as unknown;
    const tensor = first instanceof tf.Tensor ? first : (Object.values((first ?? {}) as object).find((v) => v instanceof tf.Tensor) as tf.Tensor | undefined);
    tensor?.dataSync();
    tf.dispose(output);
  }
  return (performance.now() - started) / calls;
}

/** Each timed sample lasts at least this long, so sub-millisecond forward passes are not lost in timer noise. */
const MIN_SAMPLE_MS = 20;

/** Median ms of `forward` and of `reference`, interleaved so machine noise hits both alike. */
export function timeAgainst(forward: Forward, reference: Forward, repeats: number): { ms: number; referenceMs: number } {
  const once = Math.max(timeCalls(forward, 1), timeCalls(reference, 1), 0.01);
  const calls = Math.max(1, Math.min(200, Math.ceil(MIN_SAMPLE_MS / once)));
  const mine: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    mine.push(timeCalls(forward, calls));
    theirs.push(timeCalls(reference, calls));
  }
  return { ms: median(mine), referenceMs: median(theirs) };
}

/** The forward pass the task times (eval mode, dropout off). */
export function inferenceOf(prepared: PreparedTask, model: AnyModel, input: unknown): Forward {
  return () => {
    const wasTraining = model.training;
    model.eval();
    try {
      return tf.tidy(() => (prepared.infer ? prepared.infer(model, input) : (model.call(input as never) as tf.TensorContainer)));
    } finally {
      model.train(wasTraining);
    }
  };
}

/** Bytes of every file under a folder. */
export function folderBytes(directory: string): number {
  let total = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    total += entry.isDirectory() ? folderBytes(full) : statSync(full).size;
  }
  return total;
}

/** Runs `fn` with a fresh temporary folder, removed afterwards. */
export async function withTemporaryFolder<T>(fn: (directory: string) => Promise<T>): Promise<T> {
  const directory = mkdtempSync(path.join(tmpdir(), 'peftjs-bench-'));
  try {
    return await fn(directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Size of tensors written as one safetensors file. */
export function safetensorsBytes(tensors: Record<string, tf.Tensor>): number {
  return Object.keys(tensors).length === 0 ? 0 : encodeSafetensors(tensors).byteLength;
}
