/**
 * Sets of characters (code points) as Python `re` sees them for str patterns:
 * `\d`, `\w` and `\s` are Unicode-aware, `.` is anything but a newline.
 */

export type ClassEscape = 'digit' | 'not-digit' | 'word' | 'not-word' | 'space' | 'not-space';

const UNICODE_DIGIT = /^\p{Nd}$/u;
// Python's str.isalnum(): letters and numbers of every script.
const UNICODE_WORD = /^[\p{L}\p{N}]$/u;

/** Python's str.isspace(): ASCII whitespace, the \x1c-\x1f separators and Unicode's spaces. */
const SPACE_RANGES = [0x09, 0x0d, 0x1c, 0x20, 0x85, 0x85, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000];

function inRanges(ranges: readonly number[], cp: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) if (cp >= ranges[i] && cp <= ranges[i + 1]) return true;
  return false;
}

export function isDigit(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x30 && cp <= 0x39;
  return UNICODE_DIGIT.test(String.fromCodePoint(cp));
}

export function isWordChar(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f;
  return UNICODE_WORD.test(String.fromCodePoint(cp));
}

export function isSpace(cp: number): boolean {
  return inRanges(SPACE_RANGES, cp);
}

function inClass(escape: ClassEscape, cp: number): boolean {
  switch (escape) {
    case 'digit':
      return isDigit(cp);
    case 'not-digit':
      return !isDigit(cp);
    case 'word':
      return isWordChar(cp);
    case 'not-word':
      return !isWordChar(cp);
    case 'space':
      return isSpace(cp);
    case 'not-space':
      return !isSpace(cp);
  }
}

/** One step of the automaton: which characters it accepts. */
export class CharMatcher {
  /** The answers for ASCII, looked up: module paths are ASCII, and every step of every match asks. */
  private readonly ascii = new Uint8Array(0x80);

  constructor(
    /** Inclusive [low, high] pairs, flattened. */
    readonly ranges: readonly number[],
    readonly classes: readonly ClassEscape[] = [],
    /** `[^...]` and `.`: everything the ranges and classes do not hold. */
    readonly negated = false,
  ) {
    for (let cp = 0; cp < 0x80; cp++) this.ascii[cp] = this.compute(cp) ? 1 : 0;
  }

  static literal(cp: number): CharMatcher {
    return new CharMatcher([cp, cp]);
  }

  static classEscape(escape: ClassEscape): CharMatcher {
    return new CharMatcher([], [escape]);
  }

  /** `.`: any character but a newline (Python without DOTALL). */
  static readonly ANY_BUT_NEWLINE = new CharMatcher([0x0a, 0x0a], [], true);

  test(cp: number): boolean {
    return cp < 0x80 ? this.ascii[cp] === 1 : this.compute(cp);
  }

  private compute(cp: number): boolean {
    const held = inRanges(this.ranges, cp) || this.classes.some((escape) => inClass(escape, cp));
    return held !== this.negated;
  }
}
