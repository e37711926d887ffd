/**
 * The automaton against JavaScript's RegExp on a seeded random corpus: both
 * must agree on every (pattern, string) pair, for full matches (target_modules)
 * and for peft's pattern-key rule (rank_pattern / alpha_pattern keys). The
 * corpus is small enough for RegExp's backtracking to finish.
 */
import { clearPatternCache, compileFullMatch, compilePatternKey } from './index';
import { Random, randomPattern } from './test-helpers';

const PATTERNS = 1500;
const STRINGS_PER_PATTERN = 24;

interface Tally {
  agreed: number;
  matched: number;
  disagreements: string[];
}

function compare(seed: number, toJavaScript: (source: string) => RegExp, compile: (source: string) => { test(text: string): boolean }): Tally {
  const random = new Random(seed);
  const tally: Tally = { agreed: 0, matched: 0, disagreements: [] };
  for (let p = 0; p < PATTERNS; p++) {
    const pattern = randomPattern(random, 3);
    const reference = toJavaScript(pattern.javascript);
    const compiled = compile(pattern.python);
    for (let s = 0; s < STRINGS_PER_PATTERN; s++) {
      const kind = s % 3;
      const sample = pattern.sample(random);
      const text = kind === 0 ? random.text(10) : kind === 1 ? sample : random.mutate(sample);
      const expected = reference.test(text);
      if (compiled.test(text) === expected) tally.agreed++;
      else if (tally.disagreements.length < 10) tally.disagreements.push(`${JSON.stringify(pattern.python)} on ${JSON.stringify(text)}: RegExp says ${expected}`);
      if (expected) tally.matched++;
    }
  }
  return tally;
}

describe('pattern automaton vs RegExp on a random corpus', () => {
  afterEach(() => clearPatternCache());

  test("full matches agree with new RegExp('^(?:p)$') on every pair", () => {
    const tally = compare(20240611, (js) => new RegExp(`^(?:${js})$`), (py) => compileFullMatch(py));
    expect(tally.disagreements).toEqual([]);
    expect(tally.agreed).toBe(PATTERNS * STRINGS_PER_PATTERN);
    // The corpus exercises both answers, not just "no match".
    expect(tally.matched).toBeGreaterThan(0.15 * tally.agreed);
    expect(tally.matched).toBeLessThan(0.85 * tally.agreed);
  });

  test("pattern keys agree with peft's (.*\\.)?(key)$ anchored at the start", () => {
    const tally = compare(7, (js) => new RegExp(`^(?:.*\\.)?(?:${js})$`), (py) => compilePatternKey(py));
    expect(tally.disagreements).toEqual([]);
    expect(tally.agreed).toBe(PATTERNS * STRINGS_PER_PATTERN);
    expect(tally.matched).toBeGreaterThan(0.15 * tally.agreed);
  });
});
