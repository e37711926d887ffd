/**
 * Bounds on config patterns. Matching costs at most (path length) x (states),
 * and each lookaround adds its own automaton run per position, so these bounds
 * are what keeps a hostile adapter_config.json from stalling the process.
 * Real configs stay far below them: peft's patterns are tens of characters.
 */
export const PATTERN_LIMITS = Object.freeze({
  /** Characters (UTF-16 code units) in one pattern. */
  maxLength: 10_000,
  /** Largest count in `{n}`, `{n,}` or `{n,m}` (Python allows up to 2^32 - 1). */
  maxRepeat: 1_000,
  /** Groups and lookarounds nested in one another. */
  maxNesting: 100,
  /** Automaton states of one compiled pattern, its lookarounds included. */
  maxStates: 20_000,
});
