/**
 * Singular value decomposition for PiSSA initialisation and SVD merging of
 * adapters; tfjs has none.
 *
 * `svd` is one-sided Jacobi (Hestenes): rotate pairs of columns until all are
 * orthogonal; their norms are then the singular values. Simple and accurate
 * (relative accuracy in float64), O(sweeps * n^2 * m): fine for adapter-sized
 * matrices and weights up to a few hundred columns.
 *
 * `lowRankSvd` is the randomised range finder with subspace iterations (Halko
 * et al. 2011, torch.svd_lowrank): the top singular triplets of a large matrix
 * at the cost of a few products with it, for peft's `pissa_niter_<n>`.
 */
import type { Generator } from '@peftjs/core';
import { qr } from './qr';
import { columns, euclideanNorm, matrix, multiply, rowsOf, transpose, type Matrix } from './matrix';

export interface Svd {
  /** [m, k], orthonormal columns. */
  readonly u: Matrix;
  /** k singular values, descending. */
  readonly s: Float64Array;
  /** [k, n], orthonormal rows. */
  readonly vh: Matrix;
}

const MAX_SWEEPS = 80;
const TOLERANCE = 1e-15;

/** Thin SVD of a [m, n]: k = min(m, n). */
export function svd(a: Matrix): Svd {
  if (a.rows < a.cols) {
    const t = svd(transpose(a));
    return { u: transpose(t.vh), s: t.s, vh: transpose(t.u) };
  }
  const { rows: m, cols: n } = a;
  // Work on columns: each is one contiguous array, which keeps the inner loops fast.
  const u = Array.from({ length: n }, (_, j) => Float64Array.from({ length: m }, (_, i) => a.data[i * n + j]));
  const v = Array.from({ length: n }, (_, j) => Float64Array.from({ length: n }, (_, i) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const up = u[p];
        const uq = u[q];
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          alpha += up[i] * up[i];
          beta += uq[i] * uq[i];
          gamma += up[i] * uq[i];
        }
        if (gamma === 0 || Math.abs(gamma) <= TOLERANCE * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(up, uq, c, s);
        rotate(v[p], v[q], c, s);
      }
    }
    if (!rotated) break;
  }
  const order = Array.from({ length: n }, (_, j) => j).map((j) => [euclideanNorm(u[j]), j] as const);
  order.sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  const uOut = matrix(m, n);
  const vh = matrix(n, n);
  const sOut = new Float64Array(n);
  order.forEach(([sigma, j], k) => {
    sOut[k] = sigma;
    for (let i = 0; i < m; i++) uOut.data[i * n + k] = sigma > 0 ? u[j][i] / sigma : 0;
    for (let i = 0; i < n; i++) vh.data[k * n + i] = v[j][i];
  });
  return { u: uOut, s: sOut, vh };
}

function rotate(x: Float64Array, y: Float64Array, c: number, s: number): void {
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const yi = y[i];
    x[i] = c * xi - s * yi;
    y[i] = s * xi + c * yi;
  }
}

/**
 * The top `rank` singular triplets of a, from a random subspace of a little
 * more than `rank` columns refined by `iterations` power iterations.
 */
export function lowRankSvd(a: Matrix, rank: number, iterations: number, rng: Generator): Svd {
  const k = Math.min(a.rows, a.cols);
  const width = Math.min(k, rank + 10); // oversampling makes the top `rank` accurate
  const omega = matrix(a.cols, width);
  for (let i = 0; i < omega.data.length; i++) omega.data[i] = rng.normal();
  const at = transpose(a);
  let q = qr(multiply(a, omega)).q;
  for (let i = 0; i < iterations; i++) {
    const z = qr(multiply(at, q)).q;
    q = qr(multiply(a, z)).q;
  }
  const small = svd(multiply(transpose(q), a)); // [width, n]
  const take = Math.min(rank, width);
  return { u: columns(multiply(q, small.u), 0, take), s: small.s.slice(0, take), vh: rowsOf(small.vh, 0, take) };
}
