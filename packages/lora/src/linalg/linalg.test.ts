import { Generator } from '@peftjs/core';
import { matrix, multiply, scaleColumns, transpose, type Matrix } from './matrix';
import { qr } from './qr';
import { lowRankSvd, svd } from './svd';

function random(rows: number, cols: number, seed: number): Matrix {
  const rng = new Generator(seed);
  const m = matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal();
  return m;
}

function maxAbsDifference(a: Matrix, b: Matrix): number {
  return a.data.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b.data[i])), 0);
}

function identity(n: number): Matrix {
  const m = matrix(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

describe('one-sided Jacobi SVD', () => {
  test.each([
    [7, 4],
    [4, 7],
    [12, 12],
  ])('reconstructs a random %i x %i matrix, with orthonormal factors and descending values', (rows, cols) => {
    const a = random(rows, cols, rows * 31 + cols);
    const { u, s, vh } = svd(a);
    const k = Math.min(rows, cols);
    expect([u.rows, u.cols, s.length, vh.rows, vh.cols]).toEqual([rows, k, k, k, cols]);
    expect(maxAbsDifference(multiply(scaleColumns(u, s), vh), a)).toBeLessThan(1e-12);
    expect(maxAbsDifference(multiply(transpose(u), u), identity(k))).toBeLessThan(1e-12);
    expect(maxAbsDifference(multiply(vh, transpose(vh)), identity(k))).toBeLessThan(1e-12);
    for (let i = 1; i < k; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
  });

  test('finds the rank of a low-rank matrix (the rest of the singular values are zero)', () => {
    const a = multiply(random(9, 2, 1), random(2, 6, 2));
    const { s } = svd(a);
    expect(s[1]).toBeGreaterThan(1e-3);
    for (let i = 2; i < s.length; i++) expect(s[i]).toBeLessThan(1e-12);
  });

  test('the randomised low-rank SVD recovers the top singular triplets', () => {
    const a = multiply(random(40, 3, 3), random(3, 30, 4));
    const exact = svd(a);
    const fast = lowRankSvd(a, 3, 2, new Generator(5));
    for (let i = 0; i < 3; i++) expect(fast.s[i]).toBeCloseTo(exact.s[i], 8);
    expect(maxAbsDifference(multiply(scaleColumns(fast.u, fast.s), fast.vh), a)).toBeLessThan(1e-9);
  });
});

describe('Householder QR', () => {
  test.each([
    [8, 5],
    [5, 8],
  ])('reconstructs a random %i x %i matrix with orthonormal Q and upper-triangular R', (rows, cols) => {
    const a = random(rows, cols, 11);
    const { q, r } = qr(a);
    const k = Math.min(rows, cols);
    expect([q.rows, q.cols, r.rows, r.cols]).toEqual([rows, k, k, cols]);
    expect(maxAbsDifference(multiply(q, r), a)).toBeLessThan(1e-12);
    expect(maxAbsDifference(multiply(transpose(q), q), identity(k))).toBeLessThan(1e-12);
    for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) expect(r.data[i * cols + j]).toBe(0);
  });
});
