/**
 * Dense matrices in Float64, row-major, for the factorisations LoRA needs at
 * initialisation and combination time (SVD for PiSSA and SVD merging, QR for
 * OLoRA). They run once per adapter, not per step, and float64 keeps the
 * factors accurate where tfjs' float32 would lose digits.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function matrix(rows: number, cols: number, data: Float64Array = new Float64Array(rows * cols)): Matrix {
  return { rows, cols, data };
}

export function fromTensor(tensor: tf.Tensor): Matrix {
  const [rows, cols] = tensor.shape;
  return matrix(rows, cols, Float64Array.from(tensor.dataSync()));
}

export function toTensor(m: Matrix): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols]);
}

export function transpose(m: Matrix): Matrix {
  const out = matrix(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out.data[j * m.rows + i] = m.data[i * m.cols + j];
  return out;
}

export function multiply(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new RangeError(`multiply: [${a.rows}, ${a.cols}] by [${b.rows}, ${b.cols}]`);
  const out = matrix(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++) {
    const row = i * b.cols;
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      const bRow = k * b.cols;
      for (let j = 0; j < b.cols; j++) out.data[row + j] += aik * b.data[bRow + j];
    }
  }
  return out;
}

/** Columns [from, to) of m. */
export function columns(m: Matrix, from: number, to: number): Matrix {
  const out = matrix(m.rows, to - from);
  for (let i = 0; i < m.rows; i++) for (let j = from; j < to; j++) out.data[i * out.cols + j - from] = m.data[i * m.cols + j];
  return out;
}

/** Rows [from, to) of m. */
export function rowsOf(m: Matrix, from: number, to: number): Matrix {
  return matrix(to - from, m.cols, m.data.slice(from * m.cols, to * m.cols));
}

/** m with column j multiplied by scale[j]. */
export function scaleColumns(m: Matrix, scale: ArrayLike<number>): Matrix {
  const out = matrix(m.rows, m.cols, m.data.slice());
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out.data[i * m.cols + j] *= scale[j];
  return out;
}

/** m with row i multiplied by scale[i]. */
export function scaleRows(m: Matrix, scale: ArrayLike<number>): Matrix {
  const out = matrix(m.rows, m.cols, m.data.slice());
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out.data[i * m.cols + j] *= scale[i];
  return out;
}

export function euclideanNorm(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  return Math.sqrt(sum);
}
