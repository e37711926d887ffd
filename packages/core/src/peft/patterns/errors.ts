import { PeftError } from '../../errors';
import { brandErrorClass } from '../../util/brand';

/** Why a pattern was refused, so callers can tell a typo from a hostile or unsupported pattern. */
export type InvalidPatternReason =
  /** Not valid Python `re` syntax (unbalanced parenthesis, bad escape, bad range, ...). */
  | 'SYNTAX'
  /** Valid Python, but outside what peftjs matches (backreferences, inline flags, atomic groups, ...). */
  | 'UNSUPPORTED'
  /** Longer than PATTERN_LIMITS.maxLength. */
  | 'TOO_LONG'
  /** Groups nested deeper than PATTERN_LIMITS.maxNesting. */
  | 'TOO_DEEP'
  /** A counted repetition `{n,m}` over PATTERN_LIMITS.maxRepeat. */
  | 'REPEAT_TOO_LARGE'
  /** The automaton would have more than PATTERN_LIMITS.maxStates states. */
  | 'TOO_LARGE';

const SHOWN_CHARACTERS = 60;
const CONTEXT_CHARACTERS = 20;

const truncated = (text: string, limit: number) => (text.length > limit ? `${text.slice(0, limit)}...` : text);

/** The pattern, truncated, and where it is long the text around the problem, so the message stays readable. */
function quote(pattern: string, position: number): string {
  const shown = JSON.stringify(truncated(pattern, SHOWN_CHARACTERS));
  if (pattern.length <= SHOWN_CHARACTERS || position < SHOWN_CHARACTERS - CONTEXT_CHARACTERS) return shown;
  const start = Math.max(0, position - CONTEXT_CHARACTERS);
  return `${shown} (near ${JSON.stringify(pattern.slice(start, position + CONTEXT_CHARACTERS))})`;
}

/**
 * A regular expression from a config (`target_modules`, `rank_pattern` keys, ...)
 * that peftjs refuses: bad syntax, a feature it does not match, or over a limit.
 * The message names the config field (when the caller knows it), the pattern
 * (truncated) and the position of the problem.
 */
export class InvalidPatternError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'InvalidPatternError');
  }

  constructor(
    readonly reason: InvalidPatternReason,
    /** The whole pattern, as given. */
    readonly pattern: string,
    /** Index (UTF-16 code units) in `pattern` where the problem was found. */
    readonly position: number,
    /** What was expected and what was found. */
    readonly detail: string,
    /** The config field the pattern came from, e.g. `target_modules` or `rank_pattern['q_proj']`. */
    readonly field?: string,
  ) {
    super('INVALID_PATTERN', `${field === undefined ? 'pattern' : field}: invalid regex ${quote(pattern, position)} at position ${position}: ${detail}`);
  }
}

/** A config key quoted for a field name (`rank_pattern['...']`), truncated since it is untrusted. */
export function fieldWithKey(field: string, key: string): string {
  return `${field}['${truncated(key, SHOWN_CHARACTERS)}']`;
}
