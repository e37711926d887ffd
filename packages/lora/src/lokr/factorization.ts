/**
 * LyCORIS's `factorization(dimension, factor)`, which peft uses for LoKr's
 * Kronecker shapes: dimension = m * n with m <= n. A positive factor that
 * divides the dimension is taken as m; otherwise m grows through the divisors
 * of the dimension while m + n shrinks and m stays at most the factor (-1: no
 * bound, so the pair nearest the square root). Factors 0 and below -1 stop at
 * (1, dimension), as peft's loop does.
 */
export function factorization(dimension: number, factor = -1): [number, number] {
  if (factor > 0 && dimension % factor === 0) return [factor, dimension / factor];
  const bound = factor === -1 ? dimension : factor;
  let [m, n] = [1, dimension];
  while (m < n) {
    let next = m + 1;
    while (dimension % next !== 0) next++;
    const partner = dimension / next;
    // peft compares with the sum of the starting pair (1 + dimension), not of the last one kept.
    if (next + partner > 1 + dimension || next > bound) break;
    [m, n] = [next, partner];
  }
  return m > n ? [n, m] : [m, n];
}
