/**
 * What the LoRA benchmarks share: the benchmark transformer (a BERT-like
 * sequence classifier of width 256, 4 layers, sequences of 64 tokens, batches
 * of 16), inputs, and timing. Timings are reported as ratios measured in one
 * run, with the variants interleaved so that machine noise hits all alike.
 */
import * as tf from '@tensorflow/tfjs-core';
import { manualSeed, useBackend, type BackendName } from '@peftjs/core';
import { BertForSequenceClassification, bertConfig, type BertInput } from '@peftjs/models';
import '../src/index';

export const WIDTH = 256;
export const LAYERS = 4;
export const SEQUENCE = 64;
export const BATCH = 16;

export function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

export async function startBackend(): Promise<string> {
  const info = await useBackend(argument('backend', 'wasm') as BackendName, { wasmThreads: Number(argument('threads', '1')) });
  return `${info.name} (${info.threads} thread${info.threads === 1 ? '' : 's'}, SIMD ${info.simd})`;
}

/** The benchmark transformer, seeded: every call gives the same weights. */
export function buildModel(vocabSize: number, numLabels = 2): BertForSequenceClassification {
  manualSeed(0);
  const config = bertConfig({
    vocabSize,
    hiddenSize: WIDTH,
    numLayers: LAYERS,
    numHeads: 4,
    intermediateSize: 4 * WIDTH,
    maxPositions: 128,
    numLabels,
    hiddenDropout: 0,
    attentionDropout: 0,
    classifierDropout: 0,
  });
  return new BertForSequenceClassification(config);
}

export function tokenBatch(rows: number, vocabSize: number, seed = 1): BertInput {
  return { inputIds: tf.randomUniform([rows, SEQUENCE], 0, vocabSize, 'int32', seed) };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Milliseconds of `fn`, which must leave its result read (dataSync) so the work is done. */
export function timeOf(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/**
 * Runs every variant `rounds` times, interleaved (after `warmup` untimed
 * rounds), and returns each variant's median milliseconds.
 */
export function interleaved(variants: Record<string, () => void>, rounds: number, warmup = 2): Record<string, number> {
  const names = Object.keys(variants);
  for (let i = 0; i < warmup; i++) for (const name of names) variants[name]();
  const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let i = 0; i < rounds; i++) for (const name of names) times[name].push(timeOf(variants[name]));
  return Object.fromEntries(names.map((name) => [name, median(times[name])]));
}

export function logitsOf(model: { call(input: BertInput): unknown }, input: BertInput): tf.Tensor {
  return (model.call(input) as { logits: tf.Tensor }).logits;
}

export const format = (value: number, digits = 3) => value.toFixed(digits);
