/** The bootstrap over seeds × test examples: known answers, pairing, determinism, bad input. */
import { Generator, InvalidArgumentError } from '@peftjs/core';
import { bootstrapInterval, bootstrapMeans, grandMean, pairedDifference, percentileInterval, type ScoreSet } from '../src/runner/bootstrap';
import { compareScores } from '../src/runner/compare';
import { summarizeScores } from '../src/runner/stats';

const width = (i: { low: number; high: number } | null) => i!.high - i!.low;

test('a degenerate distribution has a zero-width interval at its value', () => {
  const set: ScoreSet = { seeds: [0, 1, 2], design: 'crossed', values: [0, 1, 2].map(() => Array(50).fill(0.7)) };
  const interval = bootstrapInterval(set)!;
  expect(interval.low).toBeCloseTo(0.7, 12);
  expect(interval.high).toBeCloseTo(0.7, 12);
  expect(grandMean(set)).toBeCloseTo(0.7, 12);
});

test('a single value has no interval', () => {
  expect(bootstrapInterval({ seeds: [0], design: 'nested', values: [[0.4]] })).toBeNull();
  const summary = summarizeScores({ seeds: [3], design: 'nested', values: [[0.4]] });
  expect(summary).toEqual({ mean: 0.4, low: null, high: null, n: 1, units: 1, values: [0.4] });
});

test('one seed of 400 fair coin flips: the interval is the mean ± 1.96 standard errors', () => {
  // 200 hits in 400: standard error sqrt(0.25 / 400) = 0.025, so about [0.451, 0.549].
  const flips = Array.from({ length: 400 }, (_, i) => i % 2);
  const interval = bootstrapInterval({ seeds: [0], design: 'crossed', values: [flips] })!;
  expect(interval.low).toBeCloseTo(0.5 - 1.96 * 0.025, 2);
  expect(interval.high).toBeCloseTo(0.5 + 1.96 * 0.025, 2);
});

test('percentiles interpolate between order statistics', () => {
  const statistics = Array.from({ length: 101 }, (_, i) => i); // 0..100
  const interval = percentileInterval(statistics);
  expect(interval.low).toBeCloseTo(2.5, 12);
  expect(interval.high).toBeCloseTo(97.5, 12);
  expect(percentileInterval(statistics, 0.5)).toEqual({ low: 25, high: 75 });
});

/** Two methods on 5 seeds × 500 shared examples: large seed and example effects, and B = A + 0.03 plus small independent noise. */
function pairedDesign(): { a: ScoreSet; b: ScoreSet } {
  const rng = new Generator(7);
  const seeds = [0, 1, 2, 3, 4];
  const seedEffect = seeds.map(() => 0.1 * rng.normal());
  const exampleEffect = Array.from({ length: 500 }, () => 0.3 * rng.normal());
  const a = seeds.map((_, s) => exampleEffect.map((e) => 0.6 + seedEffect[s] + e + 0.02 * rng.normal()));
  const b = seeds.map((_, s) => exampleEffect.map((e) => 0.63 + seedEffect[s] + e + 0.02 * rng.normal()));
  return { a: { seeds, design: 'crossed', values: a }, b: { seeds, design: 'crossed', values: b } };
}

test('paired differences remove the shared variance: their interval is far narrower than either method alone', () => {
  const { a, b } = pairedDesign();
  const alone = bootstrapInterval(b)!;
  const paired = compareScores(b, a)!;
  // Unpaired, the two methods' intervals overlap almost entirely (0.03 apart, each about 0.17 wide).
  expect(width(alone)).toBeGreaterThan(0.1);
  const other = bootstrapInterval(a)!;
  expect(Math.min(alone.high, other.high) - Math.max(alone.low, other.low)).toBeGreaterThan(0.1);
  // Paired, the difference is pinned down: about 0.03 with an interval under a twentieth of the unpaired width.
  expect(paired.mean).toBeCloseTo(0.03, 2);
  expect(paired.high! - paired.low!).toBeLessThan(width(alone) / 20);
  expect(paired.low!).toBeGreaterThan(0);
  expect(paired.distinguishable).toBe(true);
  // A method against itself plus nothing: indistinguishable.
  const same = compareScores(a, { ...a, values: a.values.map((row) => row.map((v) => v)) })!;
  expect(same.mean).toBe(0);
  expect(same.distinguishable).toBe(false);
});

test('the same scores and seed give the same interval; another seed a slightly different one', () => {
  const { a } = pairedDesign();
  expect(Array.from(bootstrapMeans(a, { resamples: 300 }))).toEqual(Array.from(bootstrapMeans(a, { resamples: 300 })));
  expect(bootstrapInterval(a)).toEqual(bootstrapInterval(a));
  const other = bootstrapInterval(a, { seed: 1 })!;
  const first = bootstrapInterval(a)!;
  expect(other.low).not.toBe(first.low);
  expect(Math.abs(other.low - first.low)).toBeLessThan(0.02);
});

test('a nested design resamples units within each seed', () => {
  // Two seeds of their own tasks: seed 0 all 1, seed 1 all 3. Resampling seeds gives means 1, 2 or 3.
  const set: ScoreSet = { seeds: [0, 1], design: 'nested', values: [[1, 1, 1], [3, 3, 3, 3]] };
  const means = new Set(Array.from(bootstrapMeans(set, { resamples: 200 })));
  expect([...means].sort()).toEqual([1, 2, 3]);
  expect(grandMean(set)).toBe(2);
});

test('bad input is an InvalidArgumentError that says what was expected and found', () => {
  expect(() => bootstrapInterval({ seeds: [0, 1], design: 'crossed', values: [[1, 0], [1]] })).toThrow(InvalidArgumentError);
  expect(() => bootstrapInterval({ seeds: [0, 1], design: 'crossed', values: [[1, 0], [1]] })).toThrow(/same units under every seed, found unit counts \[2, 1\]/);
  expect(() => bootstrapInterval({ seeds: [0], design: 'nested', values: [[Number.NaN]] })).toThrow(/expected finite scores, found NaN/);
  expect(() => pairedDifference({ seeds: [0], design: 'nested', values: [[1]] }, { seeds: [1], design: 'nested', values: [[1]] })).toThrow(/expected the same seeds, found \[0\] and \[1\]/);
  expect(() => bootstrapMeans({ seeds: [0], design: 'nested', values: [[1, 2]] }, { resamples: 0 })).toThrow(/positive integer, found 0/);
  // Scores on different units are not compared at all.
  expect(compareScores({ seeds: [0], design: 'crossed', values: [[1, 0]] }, { seeds: [0], design: 'crossed', values: [[1, 0, 1]] })).toBeNull();
});
