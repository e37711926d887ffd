import { InvalidArgumentError } from '../../errors';
import { compareCodePoints } from './code-point-order';
import { findDuplicateKey, findFloatLiteralPaths } from './json-scan';
import { formatPythonJson, pythonFloatRepr } from './python-json';

// Expected strings were produced by CPython 3's json.dumps / repr.
describe('pythonFloatRepr', () => {
  it.each([
    [0, '0.0'],
    [-0, '-0.0'],
    [1, '1.0'],
    [0.1, '0.1'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [123456789012345678, '1.2345678901234568e+17'],
    [1.5e-7, '1.5e-07'],
    [2.5e300, '2.5e+300'],
    [5e-324, '5e-324'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
    [100, '100.0'],
    [1 / 3, '0.3333333333333333'],
    [12345.678, '12345.678'],
  ])('%p -> %s', (value, expected) => {
    expect(pythonFloatRepr(value)).toBe(expected);
  });
});

describe('formatPythonJson', () => {
  it('matches json.dumps(indent=2, sort_keys=True) with ensure_ascii', () => {
    const value = { b: [1, 2.5, { z: null, a: true }], a: {}, c: [], 'é': 'ü\u2028\u{1F600}\x7f\x01"\\/\n', B: 'x' };
    expect(formatPythonJson(value)).toBe(
      [
        '{',
        '  "B": "x",',
        '  "a": {},',
        '  "b": [',
        '    1,',
        '    2.5,',
        '    {',
        '      "a": true,',
        '      "z": null',
        '    }',
        '  ],',
        '  "c": [],',
        '  "\\u00e9": "\\u00fc\\u2028\\ud83d\\ude00\\u007f\\u0001\\"\\\\/\\n"',
        '}',
      ].join('\n'),
    );
  });

  it('writes integral numbers as floats only at the given paths', () => {
    const value = { lora_dropout: 0, r: 8, alpha_pattern: { 'q.proj': 16, 'a/b': 2 }, list: [1, 1] };
    const floatPaths = ['/lora_dropout', '/alpha_pattern/q.proj', '/alpha_pattern/a~1b', '/list/1'];
    expect(JSON.parse(formatPythonJson(value, { floatPaths }))).toEqual(value);
    expect(formatPythonJson(value, { floatPaths })).toContain('"lora_dropout": 0.0');
    expect(formatPythonJson(value, { floatPaths })).toContain('"q.proj": 16.0');
    expect(formatPythonJson(value, { floatPaths })).toContain('"a/b": 2.0');
    expect(formatPythonJson(value, { floatPaths })).toContain('1,\n    1.0\n');
    expect(formatPythonJson(value, { floatPaths })).toContain('"r": 8\n');
    expect(formatPythonJson({ big: 1e21 })).toContain('"big": 1000000000000000000000');
  });

  it('skips undefined object values like JSON.stringify', () => {
    expect(formatPythonJson({ a: undefined, b: 1 })).toBe('{\n  "b": 1\n}');
  });

  it.each([[NaN], [Infinity], [new Date(0)], [new Map()], [() => 1], [1n]])('refuses %p', (bad) => {
    expect(() => formatPythonJson({ bad })).toThrow(InvalidArgumentError);
  });
});

describe('compareCodePoints', () => {
  it('sorts like Python (astral characters after U+FFFF)', () => {
    expect(['\u{1F600}', '\uffff', 'a', 'Z'].sort(compareCodePoints)).toEqual(['Z', 'a', '\uffff', '\u{1F600}']);
    expect(compareCodePoints('ab', 'a')).toBeGreaterThan(0);
    expect(compareCodePoints('a', 'a')).toBe(0);
  });
});

describe('json-scan', () => {
  it('finds keys repeated within one object, after unescaping, at any depth', () => {
    expect(findDuplicateKey('{"a":1,"b":{"a":2}}')).toBeUndefined();
    expect(findDuplicateKey('{"a":1,"a":2}')).toEqual({ key: 'a', path: [] });
    expect(findDuplicateKey('{"x":[{"k":1},{"k":1,"\\u006b":2}]}')).toEqual({ key: 'k', path: ['x', 1] });
    expect(findDuplicateKey('{"s":"a\\":","s2":"\\\\"}')).toBeUndefined(); // escaped quotes inside strings
  });

  it('finds numbers written as floats, by JSON Pointer', () => {
    expect(findFloatLiteralPaths('{"a":0.0,"b":1,"c":[1,2e3,-1E-2],"d/e~":{"f":5.5}}')).toEqual(['/a', '/c/1', '/c/2', '/d~1e~0/f']);
  });

  it('handles deep nesting without recursion', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(findDuplicateKey(deep)).toBeUndefined();
  });
});
