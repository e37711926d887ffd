/**
 * A parser for Python `re` syntax, the subset peft configs use: literals, `.`,
 * escapes, character classes, groups (plain, `(?:)`, named), alternation,
 * greedy and lazy quantifiers, anchors and lookarounds. What Python accepts
 * but peftjs does not match (backreferences, inline flags, atomic groups,
 * possessive quantifiers, conditionals, `\N{...}`) is refused as UNSUPPORTED;
 * what Python itself refuses is refused as SYNTAX, with Python's reasons.
 */
import { alternation, concat, repeat, widthOf, type PatternNode } from './ast';
import { CharMatcher, type ClassEscape } from './char-sets';
import { InvalidPatternError, type InvalidPatternReason } from './errors';
import { PATTERN_LIMITS } from './limits';

const CLASS_ESCAPES: Readonly<Record<string, ClassEscape>> = { d: 'digit', D: 'not-digit', w: 'word', W: 'not-word', s: 'space', S: 'not-space' };
const CONTROL_ESCAPES: Readonly<Record<string, number>> = { a: 0x07, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b };
const HEX_ESCAPE_DIGITS: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

const isAsciiLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isDecimal = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isOctal = (c: string | undefined) => c !== undefined && c >= '0' && c <= '7';
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);
// Python requires a group name to be an identifier (str.isidentifier()).
const IDENTIFIER = /^[\p{ID_Start}_][\p{ID_Continue}]*$/u;

/** What a class member is before it is known whether it starts a range. */
type ClassItem = { kind: 'literal'; cp: number } | { kind: 'class'; escape: ClassEscape };

interface Quantifier {
  min: number;
  max: number;
}

/** Parses `source` (Python `re` syntax) into a PatternNode; `field` names the config key in errors. */
export function parsePattern(source: string, field?: string): PatternNode {
  if (source.length > PATTERN_LIMITS.maxLength) {
    throw new InvalidPatternError('TOO_LONG', source, PATTERN_LIMITS.maxLength, `expected at most ${PATTERN_LIMITS.maxLength} characters, found ${source.length}`, field);
  }
  return new Parser(source, field).parse();
}

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly groupNames = new Set<string>();

  constructor(
    private readonly source: string,
    private readonly field: string | undefined,
  ) {}

  parse(): PatternNode {
    const node = this.alternation();
    // Only an unmatched ')' stops the top-level alternation before the end.
    if (this.pos < this.source.length) this.fail('SYNTAX', this.pos, "unbalanced parenthesis: found ')' with no '(' to close");
    return node;
  }

  private fail(reason: InvalidPatternReason, position: number, detail: string): never {
    throw new InvalidPatternError(reason, this.source, position, detail, this.field);
  }

  private get atEnd(): boolean {
    return this.pos >= this.source.length;
  }

  /** The next character (a whole code point), without consuming it. */
  private peek(): string | undefined {
    const cp = this.source.codePointAt(this.pos);
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  }

  private take(): string {
    const c = this.peek() as string;
    this.pos += c.length;
    return c;
  }

  private eat(text: string): boolean {
    if (!this.source.startsWith(text, this.pos)) return false;
    this.pos += text.length;
    return true;
  }

  private alternation(): PatternNode {
    const options = [this.sequence()];
    while (this.eat('|')) options.push(this.sequence());
    return alternation(options);
  }

  private sequence(): PatternNode {
    const items: PatternNode[] = [];
    for (;;) {
      this.skipComments();
      if (this.atEnd || this.source[this.pos] === '|' || this.source[this.pos] === ')') break;
      const start = this.pos;
      const atom = this.atom();
      items.push(this.quantified(atom, start));
    }
    return concat(items);
  }

  /** `(?#...)` leaves nothing behind, as in Python: a quantifier after it applies to what came before. */
  private skipComments(): void {
    while (this.source.startsWith('(?#', this.pos)) {
      const close = this.source.indexOf(')', this.pos);
      if (close < 0) this.fail('SYNTAX', this.pos, "missing ')': the comment is not closed");
      this.pos = close + 1;
    }
  }

  private atom(): PatternNode {
    const start = this.pos;
    const c = this.take();
    switch (c) {
      case '(':
        return this.group(start);
      case '[':
        return { kind: 'char', matcher: this.charClass(start) };
      case '.':
        return { kind: 'char', matcher: CharMatcher.ANY_BUT_NEWLINE };
      case '^':
        return { kind: 'anchor', anchor: 'start' };
      case '$':
        return { kind: 'anchor', anchor: 'end' };
      case '\\':
        return this.escape(start);
      case '*':
      case '+':
      case '?':
        return this.fail('SYNTAX', start, `nothing to repeat: '${c}' follows no character or group`);
      case '{':
        this.pos = start;
        if (this.quantifier() !== undefined) this.fail('SYNTAX', start, 'nothing to repeat: the counted repetition follows no character or group');
        this.pos = start + 1;
        return { kind: 'char', matcher: CharMatcher.literal(0x7b) };
      default:
        return { kind: 'char', matcher: CharMatcher.literal(c.codePointAt(0) as number) };
    }
  }

  private quantified(atom: PatternNode, start: number): PatternNode {
    this.skipComments();
    const quantifierStart = this.pos;
    const quantifier = this.quantifier();
    if (quantifier === undefined) return atom;
    // A bare anchor cannot be repeated; a group holding one can (Python's rule: `^*` is refused, `(^)*` is not).
    if (atom.kind === 'anchor' && this.source[start] !== '(') this.fail('SYNTAX', quantifierStart, 'nothing to repeat: a quantifier follows an anchor');
    // Lazy and greedy repetition full-match the same paths.
    if (!this.eat('?') && this.source[this.pos] === '+') {
      this.fail('UNSUPPORTED', this.pos, "possessive quantifiers ('*+', '++', '?+', '{n}+') are not supported");
    }
    this.skipComments();
    const after = this.pos;
    if (this.quantifier() !== undefined) this.fail('SYNTAX', after, 'multiple repeat: a quantifier follows a quantifier');
    return repeat(atom, quantifier.min, quantifier.max, start);
  }

  /**
   * Consumes `*`, `+`, `?` or a well-formed `{n}`, `{n,}`, `{,m}`, `{n,m}`.
   * Anything else after `{` is, as in Python, a literal `{` and is left in place.
   */
  private quantifier(): Quantifier | undefined {
    const start = this.pos;
    if (this.eat('*')) return { min: 0, max: Infinity };
    if (this.eat('+')) return { min: 1, max: Infinity };
    if (this.eat('?')) return { min: 0, max: 1 };
    if (!this.eat('{')) return undefined;
    const low = this.digits();
    const high = this.eat(',') ? this.digits() : low;
    if ((low === '' && high === '' && this.source[start + 1] === '}') || !this.eat('}')) {
      this.pos = start;
      return undefined;
    }
    const min = low === '' ? 0 : Number(low);
    const max = high === '' ? Infinity : Number(high);
    for (const count of [min, max]) {
      if (count !== Infinity && count > PATTERN_LIMITS.maxRepeat) {
        this.fail('REPEAT_TOO_LARGE', start, `expected counted repetitions of at most ${PATTERN_LIMITS.maxRepeat}, found ${this.source.slice(start, this.pos).slice(0, 40)}`);
      }
    }
    if (max < min) this.fail('SYNTAX', start, `min repeat greater than max repeat in ${this.source.slice(start, this.pos)}`);
    return { min, max };
  }

  private digits(): string {
    const start = this.pos;
    while (isDecimal(this.source[this.pos])) this.pos++;
    return this.source.slice(start, this.pos);
  }

  private group(open: number): PatternNode {
    if (this.depth >= PATTERN_LIMITS.maxNesting) {
      this.fail('TOO_DEEP', open, `expected groups nested at most ${PATTERN_LIMITS.maxNesting} deep, found more`);
    }
    let look: { behind: boolean; negated: boolean } | undefined;
    if (this.eat('?')) {
      if (this.eat(':')) look = undefined;
      else if (this.eat('P<')) this.groupName(open);
      else if (this.eat('P=')) this.fail('UNSUPPORTED', open, "backreferences ('(?P=name)') are not supported");
      else if (this.eat('=')) look = { behind: false, negated: false };
      else if (this.eat('!')) look = { behind: false, negated: true };
      else if (this.eat('<=')) look = { behind: true, negated: false };
      else if (this.eat('<!')) look = { behind: true, negated: true };
      else if (this.eat('<')) this.groupName(open);
      else if (this.eat('>')) this.fail('UNSUPPORTED', open, "atomic groups ('(?>...)') are not supported");
      else if (this.eat('(')) this.fail('UNSUPPORTED', open, "conditional groups ('(?(...)...)') are not supported");
      else if (/^[aiLmsux-]$/.test(this.source[this.pos] ?? '')) this.fail('UNSUPPORTED', open, "inline flags ('(?i)', '(?s:...)', ...) are not supported");
      else this.fail('SYNTAX', open, `unknown extension '(?${this.atEnd ? '' : this.peek()}': expected ':', 'P<name>', '=', '!', '<=' or '<!' after '(?'`);
    }
    this.depth++;
    const body = this.alternation();
    this.depth--;
    if (!this.eat(')')) this.fail('SYNTAX', open, "missing ')': the group opened here is not closed");
    if (look === undefined) return body;
    if (look.behind) {
      const [low, high] = widthOf(body);
      if (low !== high) this.fail('SYNTAX', open, `look-behind requires a fixed-width pattern, found one of ${low} to ${high === Infinity ? 'unbounded' : high} characters`);
    }
    return { kind: 'lookaround', behind: look.behind, negated: look.negated, body };
  }

  private groupName(open: number): void {
    const close = this.source.indexOf('>', this.pos);
    if (close < 0) this.fail('SYNTAX', open, "missing '>': the group name is not closed");
    const name = this.source.slice(this.pos, close);
    if (name === '') this.fail('SYNTAX', open, 'missing group name');
    if (!IDENTIFIER.test(name)) this.fail('SYNTAX', this.pos, `bad character in group name ${JSON.stringify(name.slice(0, 40))}`);
    if (this.groupNames.has(name)) this.fail('SYNTAX', open, `redefinition of group name ${JSON.stringify(name.slice(0, 40))}`);
    this.groupNames.add(name);
    this.pos = close + 1;
  }

  private charClass(open: number): CharMatcher {
    const negated = this.eat('^');
    const ranges: number[] = [];
    const classes: ClassEscape[] = [];
    const add = (item: ClassItem) => (item.kind === 'literal' ? ranges.push(item.cp, item.cp) : classes.push(item.escape));
    const unterminated = () => this.fail('SYNTAX', open, "unterminated character set: expected ']' before the end of the pattern");
    let empty = true;
    for (;;) {
      if (this.atEnd) unterminated();
      const itemStart = this.pos;
      const c = this.take();
      // A ']' first in the set is a member, as in Python (in JavaScript '[]' is the empty set).
      if (c === ']' && !empty) break;
      empty = false;
      const low = this.classItem(c, itemStart);
      if (!this.eat('-')) {
        add(low);
        continue;
      }
      if (this.atEnd) unterminated();
      if (this.eat(']')) {
        add(low);
        add({ kind: 'literal', cp: 0x2d });
        break;
      }
      const highStart = this.pos;
      const high = this.classItem(this.take(), highStart);
      const range = this.source.slice(itemStart, this.pos);
      if (low.kind !== 'literal' || high.kind !== 'literal' || high.cp < low.cp) this.fail('SYNTAX', itemStart, `bad character range ${range.slice(0, 40)}`);
      ranges.push(low.cp, high.cp);
    }
    return new CharMatcher(ranges, classes, negated);
  }

  private classItem(c: string, start: number): ClassItem {
    if (c !== '\\') return { kind: 'literal', cp: c.codePointAt(0) as number };
    if (this.atEnd) this.fail('SYNTAX', start, 'bad escape (end of pattern)');
    const e = this.take();
    if (e in CLASS_ESCAPES) return { kind: 'class', escape: CLASS_ESCAPES[e] };
    if (e === 'b') return { kind: 'literal', cp: 0x08 };
    if (isOctal(e)) return { kind: 'literal', cp: this.octal(e, start) };
    return { kind: 'literal', cp: this.commonEscape(e, start) };
  }

  private escape(start: number): PatternNode {
    if (this.atEnd) this.fail('SYNTAX', start, 'bad escape (end of pattern)');
    const e = this.take();
    if (e in CLASS_ESCAPES) return { kind: 'char', matcher: CharMatcher.classEscape(CLASS_ESCAPES[e]) };
    if (e === 'A') return { kind: 'anchor', anchor: 'start' };
    if (e === 'Z') return { kind: 'anchor', anchor: 'end-of-text' };
    if (e === 'b') return { kind: 'anchor', anchor: 'word-boundary' };
    if (e === 'B') return { kind: 'anchor', anchor: 'not-word-boundary' };
    if (e === '0') return this.literal(this.octal(e, start));
    if (isDecimal(e)) {
      // Python: three octal digits are an octal escape, anything else a group reference.
      const rest = this.source.slice(this.pos, this.pos + 2);
      if (isOctal(e) && isOctal(rest[0]) && isOctal(rest[1])) return this.literal(this.octal(e, start));
      this.fail('UNSUPPORTED', start, `backreferences ('\\${e}${isDecimal(rest[0]) ? rest[0] : ''}') are not supported`);
    }
    return this.literal(this.commonEscape(e, start));
  }

  private literal(cp: number): PatternNode {
    return { kind: 'char', matcher: CharMatcher.literal(cp) };
  }

  /** Octal escapes, `\0` to `\377`: the first digit is `first`, up to two more follow. */
  private octal(first: string, start: number): number {
    let digits = first;
    while (digits.length < 3 && isOctal(this.source[this.pos])) digits += this.take();
    const value = parseInt(digits, 8);
    if (value > 0o377) this.fail('SYNTAX', start, `octal escape value \\${digits} outside of range 0-0o377`);
    return value;
  }

  /** The escapes Python reads the same inside and outside a set: controls, hex, Unicode, escaped punctuation. */
  private commonEscape(e: string, start: number): number {
    if (e in CONTROL_ESCAPES) return CONTROL_ESCAPES[e];
    if (e in HEX_ESCAPE_DIGITS) {
      const count = HEX_ESCAPE_DIGITS[e];
      let digits = '';
      while (digits.length < count && isHex(this.source[this.pos])) digits += this.take();
      if (digits.length < count) this.fail('SYNTAX', start, `incomplete escape \\${e}${digits}: expected ${count} hex digits`);
      const value = parseInt(digits, 16);
      if (value > 0x10ffff) this.fail('SYNTAX', start, `bad escape \\${e}${digits}: beyond the last code point U+10FFFF`);
      return value;
    }
    if (e === 'N') this.fail('UNSUPPORTED', start, "named Unicode escapes ('\\N{...}') are not supported");
    if (isAsciiLetter(e) || isDecimal(e)) this.fail('SYNTAX', start, `bad escape \\${e}`);
    return e.codePointAt(0) as number;
  }
}

