/**
 * Plain-JS Float64 references for LoHa and LoKr tests, written from peft's
 * definitions independently of the tfjs code under test: matrices as nested
 * arrays, tensors as flat row-major arrays with shapes.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface Dense {
  readonly shape: number[];
  readonly data: Float64Array;
}

export function dense(tensor: tf.Tensor): Dense {
  return { shape: [...tensor.shape], data: Float64Array.from(tensor.dataSync()) };
}

const at = (t: Dense, ...index: number[]) => t.data[index.reduce((flat, i, k) => flat * t.shape[k] + i, 0)];

export function matmul(a: Dense, b: Dense): Dense {
  const [n, k] = a.shape;
  const m = b.shape[1];
  const data = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) for (let p = 0; p < k; p++) data[i * m + j] += at(a, i, p) * at(b, p, j);
  return { shape: [n, m], data };
}

export function hadamard(a: Dense, b: Dense, scale = 1): Dense {
  return { shape: a.shape, data: a.data.map((v, i) => v * b.data[i] * scale) };
}

/** einsum "i j k l, i p, j q -> p q k l". */
export function cp(t: Dense, a: Dense, b: Dense): Dense {
  const [r1, r2, kh, kw] = t.shape;
  const p = a.shape[1];
  const q = b.shape[1];
  const data = new Float64Array(p * q * kh * kw);
  for (let pi = 0; pi < p; pi++)
    for (let qi = 0; qi < q; qi++)
      for (let k = 0; k < kh; k++)
        for (let l = 0; l < kw; l++) {
          let sum = 0;
          for (let i = 0; i < r1; i++) for (let j = 0; j < r2; j++) sum += at(t, i, j, k, l) * at(a, i, pi) * at(b, j, qi);
          data[((pi * q + qi) * kh + k) * kw + l] = sum;
        }
  return { shape: [p, q, kh, kw], data };
}

/** torch.kron for a 2-D w1 and a w2 of rank >= 2 (w1 padded with unit dimensions). */
export function kronecker(w1: Dense, w2: Dense, scale = 1): Dense {
  const [a, c] = w1.shape;
  const [b, d, ...rest] = w2.shape;
  const inner = rest.reduce((x, y) => x * y, 1);
  const data = new Float64Array(a * b * c * d * inner);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++)
      for (let k = 0; k < c; k++)
        for (let l = 0; l < d; l++)
          for (let s = 0; s < inner; s++) data[((i * b + j) * c * d + k * d + l) * inner + s] = at(w1, i, k) * w2.data[(j * d + l) * inner + s] * scale;
  return { shape: [a * b, c * d, ...rest], data };
}

/** x [n, in] @ W^T [in, out] + bias. */
export function linearReference(x: Dense, weight: Dense, bias?: Dense): number[] {
  const [n, inDim] = x.shape;
  const out = weight.shape[0];
  const result: number[] = [];
  for (let i = 0; i < n; i++)
    for (let o = 0; o < out; o++) {
      let sum = bias ? bias.data[o] : 0;
      for (let k = 0; k < inDim; k++) sum += x.data[i * inDim + k] * weight.data[o * inDim + k];
      result.push(sum);
    }
  return result;
}

export function add(a: Dense, b: Dense): Dense {
  return { shape: a.shape, data: a.data.map((v, i) => v + b.data[i]) };
}
