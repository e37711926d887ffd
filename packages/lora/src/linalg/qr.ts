/**
 * Reduced QR by Householder reflections: A [m, n] = Q [m, k] R [k, n] with
 * k = min(m, n), Q's columns orthonormal and R upper triangular (LAPACK's sign
 * convention: R's diagonal may be negative, as torch.linalg.qr returns it).
 * For OLoRA initialisation; tfjs' own qr works in float32 and op by op.
 */
import { euclideanNorm, matrix, type Matrix } from './matrix';

export function qr(a: Matrix): { q: Matrix; r: Matrix } {
  const { rows: m, cols: n } = a;
  const k = Math.min(m, n);
  const work = a.data.slice(); // becomes R in its upper triangle
  const reflectors: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(m - j);
    for (let i = j; i < m; i++) v[i - j] = work[i * n + j];
    const norm = euclideanNorm(v);
    if (norm === 0) {
      reflectors.push(v); // a zero column: nothing to reflect
      continue;
    }
    const alpha = v[0] >= 0 ? -norm : norm;
    v[0] -= alpha;
    const vNorm = euclideanNorm(v);
    for (let i = 0; i < v.length; i++) v[i] /= vNorm;
    reflectors.push(v);
    // work[j:, j:] -= 2 v (vᵀ work[j:, j:])
    for (let c = j; c < n; c++) {
      let dot = 0;
      for (let i = j; i < m; i++) dot += v[i - j] * work[i * n + c];
      for (let i = j; i < m; i++) work[i * n + c] -= 2 * v[i - j] * dot;
    }
  }
  const r = matrix(k, n);
  for (let i = 0; i < k; i++) for (let c = i; c < n; c++) r.data[i * n + c] = work[i * n + c];
  // Q = H_0 H_1 ... H_{k-1} applied to the first k columns of the identity.
  const q = matrix(m, k);
  for (let i = 0; i < k; i++) q.data[i * k + i] = 1;
  for (let j = k - 1; j >= 0; j--) {
    const v = reflectors[j];
    if (v.every((x) => x === 0)) continue;
    for (let c = 0; c < k; c++) {
      let dot = 0;
      for (let i = j; i < m; i++) dot += v[i - j] * q.data[i * k + c];
      for (let i = j; i < m; i++) q.data[i * k + c] -= 2 * v[i - j] * dot;
    }
  }
  return { q, r };
}
