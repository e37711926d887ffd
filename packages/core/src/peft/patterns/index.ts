/**
 * peft's config patterns, matched in bounded time. Configs are untrusted input
 * (adapter_config.json files come from anywhere), and JavaScript's RegExp
 * backtracks: `(.*.*)*X` against a 40-character path never finishes. These
 * patterns are parsed as Python `re` syntax, compiled to an automaton and
 * simulated without backtracking; what cannot be matched that way, or is
 * over a limit, is an InvalidPatternError.
 */
import { concat, type PatternNode } from './ast';
import { BoundedCache } from './cache';
import { CharMatcher } from './char-sets';
import { compileProgram } from './compiler';
import { parsePattern } from './parser';
import { Simulator } from './simulator';

export { InvalidPatternError, fieldWithKey, type InvalidPatternReason } from './errors';
export { PATTERN_LIMITS } from './limits';

export interface CompiledPattern {
  /** The pattern as written in the config. */
  readonly source: string;
  /** Whether the pattern matches `text`, by the rule the pattern was compiled for. */
  test(text: string): boolean;
}

class AutomatonPattern implements CompiledPattern {
  private readonly simulator: Simulator;
  /** Automaton states: the cache's measure of size. */
  readonly size: number;

  constructor(
    readonly source: string,
    node: PatternNode,
    private readonly mode: 'full' | 'prefix',
    field: string | undefined,
  ) {
    const program = compileProgram(node, source, field);
    this.size = program.stateCount;
    this.simulator = new Simulator(program);
  }

  test(text: string): boolean {
    return this.simulator.matches(text, this.mode);
  }
}

const CACHE = new BoundedCache<CompiledPattern>(128, 200_000);

function cached(kind: string, source: string, build: () => AutomatonPattern): CompiledPattern {
  const key = `${kind}\u0000${source}`;
  const hit = CACHE.get(key);
  if (hit !== undefined) return hit;
  const pattern = build();
  CACHE.set(key, pattern, pattern.size);
  return pattern;
}

/**
 * `pattern` as peft's `target_modules` / `exclude_modules` strings: `test(path)`
 * is Python's `re.fullmatch(pattern, path) is not None`. Compiled once and
 * cached; a bad pattern is an InvalidPatternError naming `field`.
 */
export function compileFullMatch(pattern: string, field?: string): CompiledPattern {
  return cached('fullmatch', pattern, () => new AutomatonPattern(pattern, parsePattern(pattern, field), 'full', field));
}

// (.*\.)? : any prefix that ends with a dot, or none.
const DOTTED_PREFIX: PatternNode = {
  kind: 'repeat',
  min: 0,
  max: 1,
  position: 0,
  item: concat([{ kind: 'repeat', min: 0, max: Infinity, position: 0, item: { kind: 'char', matcher: CharMatcher.ANY_BUT_NEWLINE } }, { kind: 'char', matcher: CharMatcher.literal(0x2e) }]),
};

/**
 * `key` as a key of peft's `rank_pattern` / `alpha_pattern`: `test(path)` is
 * peft's `get_pattern_key` test, `re.match(rf"(.*\.)?({key})$", path)`, so the
 * key matches the end of the path on a dot boundary. The key is parsed on its
 * own (an unbalanced key cannot change the surrounding pattern, as it would in
 * Python's string splice). Cached like compileFullMatch.
 */
export function compilePatternKey(key: string, field?: string): CompiledPattern {
  return cached('pattern-key', key, () => new AutomatonPattern(key, concat([DOTTED_PREFIX, parsePattern(key, field), { kind: 'anchor', anchor: 'end' }]), 'prefix', field));
}

/** Empties the compiled-pattern cache (for tests and long-lived processes that want the memory back). */
export function clearPatternCache(): void {
  CACHE.clear();
}
