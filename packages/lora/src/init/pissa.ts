/**
 * PiSSA (Meng et al. 2024): the adapter starts as the principal part of W.
 * With W = U S Vᵀ, A = sqrt(S_r / s) V_rᵀ and B = U_r sqrt(S_r / s), so that
 * s B A is the best rank-r approximation of W; the base keeps the residual
 * W - s B A. Training then moves the directions that matter most first.
 * `pissa_niter_<n>` uses a randomised SVD with n subspace iterations.
 */
import { columns, fromTensor, matrix, multiply, rowsOf, scaleColumns, scaleRows, toTensor, type Matrix } from '../linalg/matrix';
import { lowRankSvd, svd } from '../linalg/svd';
import type { InitTarget, InitialFactors, LoraInitScheme } from './scheme';

export function pissaInit(iterations?: number): LoraInitScheme {
  return {
    name: iterations === undefined ? 'pissa' : `pissa_niter_${iterations}`,
    rewritesBaseWeight: true,
    initialize(t, rng) {
      const weight = readWeight(t);
      const { u, s, vh } = iterations === undefined ? svd(weight) : lowRankSvd(weight, t.r, iterations, rng);
      const roots = Array.from(s.slice(0, t.r), (sigma) => Math.sqrt(sigma / t.scaling));
      const b = scaleColumns(columns(u, 0, t.r), roots);
      const a = scaleRows(rowsOf(vh, 0, t.r), roots);
      return factorsWithResidual(weight, a, b, t.scaling);
    },
  };
}

/** The base weight as float64. */
export function readWeight(t: InitTarget): Matrix {
  const weight = t.weightMatrix();
  try {
    return fromTensor(weight);
  } finally {
    weight.dispose();
  }
}

/** A and B as tensors, and W - s B A as the new base weight. */
export function factorsWithResidual(weight: Matrix, a: Matrix, b: Matrix, scaling: number): InitialFactors {
  const product = multiply(b, a);
  const residual = matrix(weight.rows, weight.cols);
  for (let i = 0; i < residual.data.length; i++) residual.data[i] = weight.data[i] - scaling * product.data[i];
  return { a: toTensor(a), b: toTensor(b), residual: toTensor(residual) };
}
