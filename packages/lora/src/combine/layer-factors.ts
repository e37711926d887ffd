/**
 * One layer's factors for the new adapter: A [rank, fanIn] and B [out, rank]
 * such that B A is the combined update (the new adapter's scaling is divided
 * out by the caller).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '@peftjs/core';
import type { LoraLayer } from '../layer/lora-layer';
import { fromTensor, matrix, multiply, scaleColumns, toTensor, type Matrix } from '../linalg/matrix';
import { lowRankSvd, svd } from '../linalg/svd';
import { combineTensors, type TensorCombination } from './merge-utils';
import type { AddWeightedAdapterOptions, Plan } from './plan';

/** Above this size an SVD of ΔW uses the randomised low-rank method (ΔW has low rank, so it is exact in practice). */
const EXACT_SVD_LIMIT = 256;

/** The new adapter's A [rank, fanIn] and B [out, rank] (B A times the new scaling is the combined update). */
export function combineLayer(layer: LoraLayer, plan: Plan, rng: Generator, options: AddWeightedAdapterOptions): { a: tf.Tensor2D; b: tf.Tensor2D } {
  const present = plan.adapters.map((name, i) => [name, plan.weights[i]] as const).filter(([name]) => layer.hasAdapter(name));
  const { fanIn, outUnits: out } = layer;
  if (present.length === 0) return { a: tf.zeros([plan.rank, fanIn]), b: tf.zeros([out, plan.rank]) };
  const factors = present.map(([name]) => readFactors(layer, name));
  if (plan.combination === 'cat') {
    const a = stackRows(factors.map((f, i) => f.a.data.map((v) => v * present[i][1] * f.scaling)), fanIn, plan.rank);
    const b = stackColumns(factors.map((f) => f.b), out, plan.rank);
    return { a: toTensor(a), b: toTensor(b) };
  }
  const pruning = { density: options.density ?? 1, majoritySignMethod: options.majoritySignMethod ?? 'total', rng };
  const method = (plan.combination === 'svd' ? 'linear' : plan.combination.replace(/_svd$/, '')) as TensorCombination;
  if (!plan.combination.endsWith('svd')) {
    // sqrt(|w s|) on both factors, the sign on A: B A gets w s for a single adapter, whatever the sign of w.
    const roots = factors.map((f, i) => Math.sqrt(Math.abs(present[i][1] * f.scaling)));
    const signs = factors.map((f, i) => Math.sign(present[i][1] * f.scaling) || 1);
    const a = combineTensors(method, factors.map((f) => f.a.data), roots.map((r, i) => r * signs[i]), pruning);
    const b = combineTensors(method, factors.map((f) => f.b.data), roots, pruning);
    return { a: toTensor(matrix(plan.rank, fanIn, a)), b: toTensor(matrix(out, plan.rank, b)) };
  }
  const deltas = factors.map((f) => multiply(f.b, f.a).data.map((v) => v * f.scaling));
  const weights = present.map(([, w]) => w);
  const delta = matrix(out, fanIn, combineTensors(method, deltas, weights, pruning));
  return truncatedFactors(delta, plan.rank, rng, options.svdClamp);
}

function readFactors(layer: LoraLayer, adapter: string): { a: Matrix; b: Matrix; scaling: number } {
  let factors: { a: Matrix; b: Matrix } | undefined;
  tf.tidy(() => {
    const { a, b } = layer.factorMatrices(adapter);
    factors = { a: fromTensor(a), b: fromTensor(b) };
  });
  return { ...factors!, scaling: layer.adapterSettings(adapter).scaling };
}

/** B = U_r S_r, A = V_rᵀ from the SVD of delta, zero-padded when the rank exceeds delta's. */
function truncatedFactors(delta: Matrix, rank: number, rng: Generator, clamp: number | undefined): { a: tf.Tensor2D; b: tf.Tensor2D } {
  const keep = Math.min(rank, delta.rows, delta.cols);
  const { u, s, vh } = Math.min(delta.rows, delta.cols) <= EXACT_SVD_LIMIT ? svd(delta) : lowRankSvd(delta, keep, 4, rng);
  const b = matrix(delta.rows, rank);
  const a = matrix(rank, delta.cols);
  const scaledU = scaleColumns(u, s);
  for (let i = 0; i < delta.rows; i++) for (let k = 0; k < keep; k++) b.data[i * rank + k] = scaledU.data[i * u.cols + k];
  a.data.set(vh.data.subarray(0, keep * delta.cols));
  if (clamp !== undefined) clampToQuantile([a, b], clamp);
  return { a: toTensor(a), b: toTensor(b) };
}

/** peft's svd_clamp: limit entries to ±(the given quantile of all entries), torch.quantile's linear interpolation. */
function clampToQuantile(matrices: Matrix[], q: number): void {
  const all = Float64Array.from(matrices.flatMap((m) => Array.from(m.data))).sort();
  const position = q * (all.length - 1);
  const low = Math.floor(position);
  const high = all[low] + (all[Math.min(low + 1, all.length - 1)] - all[low]) * (position - low);
  for (const m of matrices) for (let i = 0; i < m.data.length; i++) m.data[i] = Math.min(high, Math.max(-high, m.data[i]));
}

function stackRows(blocks: readonly Float64Array[], cols: number, rows: number): Matrix {
  const out = matrix(rows, cols);
  let offset = 0;
  for (const block of blocks) {
    out.data.set(block, offset);
    offset += block.length;
  }
  return out;
}

function stackColumns(blocks: readonly Matrix[], rows: number, cols: number): Matrix {
  const out = matrix(rows, cols);
  let offset = 0;
  for (const block of blocks) {
    for (let i = 0; i < rows; i++) for (let j = 0; j < block.cols; j++) out.data[i * cols + offset + j] = block.data[i * block.cols + j];
    offset += block.cols;
  }
  return out;
}

