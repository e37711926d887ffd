import { PeftError } from '../../errors';
import { InvalidPatternError, PATTERN_LIMITS, compileFullMatch, compilePatternKey, fieldWithKey, type InvalidPatternReason } from './index';

function refusal(pattern: string, field?: string): InvalidPatternError {
  try {
    compileFullMatch(pattern, field);
  } catch (error) {
    if (error instanceof InvalidPatternError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(pattern)} to be refused`);
}

describe('refused patterns are InvalidPatternErrors that say why and where', () => {
  test.each<[string, InvalidPatternReason, number, string]>([
    ['([', 'SYNTAX', 1, "unterminated character set: expected ']' before the end of the pattern"],
    ['(["', 'SYNTAX', 1, "unterminated character set: expected ']' before the end of the pattern"],
    ['(a|b', 'SYNTAX', 0, "missing ')': the group opened here is not closed"],
    ['model.layers.0.self_attn.q_proj|model.layers.[0-9.q_proj', 'SYNTAX', 45, "unterminated character set: expected ']' before the end of the pattern"],
    ['q_proj)', 'SYNTAX', 6, "unbalanced parenthesis: found ')' with no '(' to close"],
    ['*proj', 'SYNTAX', 0, "nothing to repeat: '*' follows no character or group"],
    ['a|+', 'SYNTAX', 2, "nothing to repeat: '+' follows no character or group"],
    ['{2}a', 'SYNTAX', 0, 'nothing to repeat: the counted repetition follows no character or group'],
    ['^*a', 'SYNTAX', 1, 'nothing to repeat: a quantifier follows an anchor'],
    ['a**', 'SYNTAX', 2, 'multiple repeat: a quantifier follows a quantifier'],
    ['a{2}{3}', 'SYNTAX', 4, 'multiple repeat: a quantifier follows a quantifier'],
    ['a{3,2}', 'SYNTAX', 1, 'min repeat greater than max repeat in {3,2}'],
    ['[z-a]', 'SYNTAX', 1, 'bad character range z-a'],
    ['[\\d-z]', 'SYNTAX', 1, 'bad character range \\d-z'],
    ['\\q_proj', 'SYNTAX', 0, 'bad escape \\q'],
    ['[\\A]', 'SYNTAX', 1, 'bad escape \\A'],
    ['proj\\', 'SYNTAX', 4, 'bad escape (end of pattern)'],
    ['\\x4g', 'SYNTAX', 0, 'incomplete escape \\x4: expected 2 hex digits'],
    ['\\U00110000', 'SYNTAX', 0, 'bad escape \\U00110000: beyond the last code point U+10FFFF'],
    ['\\400', 'SYNTAX', 0, 'octal escape value \\400 outside of range 0-0o377'],
    ['(?<=a+)b', 'SYNTAX', 0, 'look-behind requires a fixed-width pattern, found one of 1 to unbounded characters'],
    ['(?<!ab|c)d', 'SYNTAX', 0, 'look-behind requires a fixed-width pattern, found one of 1 to 2 characters'],
    ['(?P<1st>a)', 'SYNTAX', 4, 'bad character in group name "1st"'],
    ['(?P<n>a)(?P<n>b)', 'SYNTAX', 8, 'redefinition of group name "n"'],
    ['(?P<n', 'SYNTAX', 0, "missing '>': the group name is not closed"],
    ['(?Qa)', 'SYNTAX', 0, "unknown extension '(?Q': expected ':', 'P<name>', '=', '!', '<=' or '<!' after '(?'"],
    ['a(?#note', 'SYNTAX', 1, "missing ')': the comment is not closed"],
    ['(a)\\1', 'UNSUPPORTED', 3, "backreferences ('\\1') are not supported"],
    ['(?P<n>a)(?P=n)', 'UNSUPPORTED', 8, "backreferences ('(?P=name)') are not supported"],
    ['(?i)q_proj', 'UNSUPPORTED', 0, "inline flags ('(?i)', '(?s:...)', ...) are not supported"],
    ['(?>a+)b', 'UNSUPPORTED', 0, "atomic groups ('(?>...)') are not supported"],
    ['a*+b', 'UNSUPPORTED', 2, "possessive quantifiers ('*+', '++', '?+', '{n}+') are not supported"],
    ['(a)?(?(1)b|c)', 'UNSUPPORTED', 4, "conditional groups ('(?(...)...)') are not supported"],
    ['\\N{DIGIT ONE}', 'UNSUPPORTED', 0, "named Unicode escapes ('\\N{...}') are not supported"],
    ['a{1001}', 'REPEAT_TOO_LARGE', 1, 'expected counted repetitions of at most 1000, found {1001}'],
    ['a{2,99999999999999999999}', 'REPEAT_TOO_LARGE', 1, 'expected counted repetitions of at most 1000, found {2,99999999999999999999}'],
    ['x(a{1000}){1000}', 'TOO_LARGE', 1, 'expected an automaton of at most 20000 states, found more (counted repetitions multiply the size of what they repeat)'],
    [`${'('.repeat(101)}a${')'.repeat(101)}`, 'TOO_DEEP', 100, 'expected groups nested at most 100 deep, found more'],
  ])('%j: %s at %d: %s', (pattern, reason, position, detail) => {
    const error = refusal(pattern, 'target_modules');
    expect(error).toBeInstanceOf(PeftError);
    expect(error.code).toBe('INVALID_PATTERN');
    expect({ reason: error.reason, position: error.position, detail: error.detail, field: error.field }).toEqual({ reason, position, detail, field: 'target_modules' });
    // Long patterns are quoted truncated, with the text around the problem.
    const quoted = pattern.length <= 60 ? JSON.stringify(pattern) : `${JSON.stringify(`${pattern.slice(0, 60)}...`)} (near ${JSON.stringify(pattern.slice(position - 20, position + 20))})`;
    expect(error.message).toBe(`target_modules: invalid regex ${quoted} at position ${position}: ${detail}`);
  });

  test('a pattern over the length limit is refused before it is read; long patterns are quoted truncated, with the text near the problem', () => {
    const long = refusal('a'.repeat(PATTERN_LIMITS.maxLength + 1));
    expect({ reason: long.reason, position: long.position }).toEqual({ reason: 'TOO_LONG', position: 10_000 });
    expect(long.message).toBe(`pattern: invalid regex "${'a'.repeat(60)}..." (near "${'a'.repeat(21)}") at position 10000: expected at most 10000 characters, found 10001`);
    expect(() => compileFullMatch('a'.repeat(PATTERN_LIMITS.maxLength))).not.toThrow();
    const late = refusal(`${'x'.repeat(100)}[abc`);
    expect(late.message).toBe(`pattern: invalid regex "${'x'.repeat(60)}..." (near "${'x'.repeat(20)}[abc") at position 100: unterminated character set: expected ']' before the end of the pattern`);
  });

  test('pattern keys are refused the same way, with the key in the field name', () => {
    const key = `(["${'y'.repeat(80)}`;
    const field = fieldWithKey('rank_pattern', key);
    expect(field).toBe(`rank_pattern['(["${'y'.repeat(57)}...']`);
    expect(() => compilePatternKey(key, field)).toThrow(InvalidPatternError);
    expect(() => compilePatternKey(key, field)).toThrow(`${field}: invalid regex ${JSON.stringify(`(["${'y'.repeat(57)}...`)} at position 1: unterminated character set`);
    // Parsed on its own, a key cannot close the group peft splices it into.
    expect(() => compilePatternKey('a)|(b')).toThrow("unbalanced parenthesis: found ')' with no '(' to close");
  });
});
