/**
 * Plain-JS linear algebra for reference implementations in tests: the models
 * are checked against code that shares nothing with them but the maths.
 */
export type Matrix = number[][];

export function matmul(a: Matrix, b: Matrix): Matrix {
  return a.map((row) => b[0].map((_, j) => row.reduce((sum, v, k) => sum + v * b[k][j], 0)));
}

export function transpose(a: Matrix): Matrix {
  return a[0].map((_, j) => a.map((row) => row[j]));
}

export function addRow(a: Matrix, bias: number[]): Matrix {
  return a.map((row) => row.map((v, j) => v + bias[j]));
}

export function add(a: Matrix, b: Matrix): Matrix {
  return a.map((row, i) => row.map((v, j) => v + b[i][j]));
}

export function map(a: Matrix, f: (v: number) => number): Matrix {
  return a.map((row) => row.map(f));
}

export function layerNorm(a: Matrix, weight: number[], bias: number[], eps: number): Matrix {
  return a.map((row) => {
    const mean = row.reduce((s, v) => s + v, 0) / row.length;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / row.length;
    return row.map((v, j) => ((v - mean) / Math.sqrt(variance + eps)) * weight[j] + bias[j]);
  });
}

export function softmax(row: number[]): number[] {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp(v - max));
  const total = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / total);
}

export const geluTanh = (v: number): number => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));

/** Abramowitz-Stegun 7.1.26, |error| < 1.5e-7. */
export function erf(v: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(v));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-v * v);
  return Math.sign(v) * y;
}

export const geluErf = (v: number): number => 0.5 * v * (1 + erf(v / Math.SQRT2));

/** Columns [from, to) of every row. */
export function columns(a: Matrix, from: number, to: number): Matrix {
  return a.map((row) => row.slice(from, to));
}

/**
 * Multi-head attention of one sequence: q, k, v [len, heads * d] -> [len, heads * d].
 * `allowed(i, j)` says whether query i may attend to key j.
 */
export function attention(q: Matrix, k: Matrix, v: Matrix, heads: number, allowed: (i: number, j: number) => boolean): Matrix {
  const width = q[0].length;
  const d = width / heads;
  const out = q.map(() => new Array<number>(width).fill(0));
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < q.length; i++) {
      const keys = k.map((_, j) => j).filter((j) => allowed(i, j));
      const scores = keys.map((j) => {
        let s = 0;
        for (let c = h * d; c < (h + 1) * d; c++) s += q[i][c] * k[j][c];
        return s / Math.sqrt(d);
      });
      const p = softmax(scores);
      keys.forEach((j, n) => {
        for (let c = h * d; c < (h + 1) * d; c++) out[i][c] += p[n] * v[j][c];
      });
    }
  }
  return out;
}
