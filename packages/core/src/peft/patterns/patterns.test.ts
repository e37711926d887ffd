import { clearPatternCache, compileFullMatch, compilePatternKey } from './index';

const full = (pattern: string, text: string) => compileFullMatch(pattern).test(text);
const key = (pattern: string, path: string) => compilePatternKey(pattern).test(path);

describe('peft config patterns', () => {
  afterEach(() => clearPatternCache());

  test.each([
    ['.*\\.(q_proj|v_proj)$', 'model.layers.0.self_attn.q_proj', true],
    ['.*\\.(q_proj|v_proj)$', 'model.layers.0.self_attn.k_proj', false],
    ['.*\\.(q_proj|v_proj)$', 'q_proj', false],
    ['^(?!.*lm_head).*', 'model.layers.0.mlp.down_proj', true],
    ['^(?!.*lm_head).*', 'lm_head', false],
    ['^(?!.*lm_head).*', 'model.lm_head.adapter', false],
    ['.*decoder.*(SelfAttention|EncDecAttention).*(q|v)$', 'decoder.block.0.layer.0.SelfAttention.q', true],
    ['.*decoder.*(SelfAttention|EncDecAttention).*(q|v)$', 'decoder.block.1.layer.1.EncDecAttention.v', true],
    ['.*decoder.*(SelfAttention|EncDecAttention).*(q|v)$', 'encoder.block.0.layer.0.SelfAttention.q', false],
    ['.*decoder.*(SelfAttention|EncDecAttention).*(q|v)$', 'decoder.block.0.layer.0.SelfAttention.k', false],
    ['model.layers.\\d+.self_attn.(q_proj|k_proj)', 'model.layers.12.self_attn.k_proj', true],
    ['model.layers.\\d+.self_attn.(q_proj|k_proj)', 'model.layers.x.self_attn.q_proj', false],
    ['model.layers.\\d+.self_attn.(q_proj|k_proj)', 'base.model.layers.1.self_attn.q_proj', false],
    ['^(?!.*vision).*\\.(q_proj|v_proj)', 'model.language_model.layers.0.self_attn.v_proj', true],
    ['^(?!.*vision).*\\.(q_proj|v_proj)', 'model.vision_tower.encoder.layers.0.self_attn.q_proj', false],
    ['.*(?<!vision_model\\.encoder\\.layers\\.\\d\\.self_attn)\\.q_proj', 'model.vision_model.encoder.layers.3.self_attn.q_proj', false],
    ['.*(?<!vision_model\\.encoder\\.layers\\.\\d\\.self_attn)\\.q_proj', 'model.text_model.layers.3.self_attn.q_proj', true],
  ])('%s full-matches %s: %s (as Python re.fullmatch and JavaScript agree)', (pattern, path, expected) => {
    expect(full(pattern, path)).toBe(expected);
    expect(new RegExp(`^(?:${pattern})$`).test(path)).toBe(expected);
  });

  // Each never finishes with RegExp's backtracking (2^n paths); the automaton is linear in the text.
  test.each([
    ['(.*.*)*X', 'a'.repeat(40)],
    ['(a+)+$', `${'a'.repeat(50)}!`],
    ['(a|a)*b', 'a'.repeat(60)],
    ['(x+x+)+y', 'x'.repeat(45)],
    ['^(?!(a*)*$).*(a|aa)*c', 'a'.repeat(40)],
    ['(?:(?<=a)a+|(?=a)a*)*b', 'a'.repeat(50)],
  ])('ReDoS classic %s on %j answers false in well under a second', (pattern, text) => {
    const started = performance.now();
    expect(full(pattern, text)).toBe(false);
    expect(full(pattern, `${text}b`)).toBe(pattern.endsWith('b'));
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('a pattern with a 10,000-state automaton against a long path stays polynomial', () => {
    const started = performance.now();
    const pattern = `(?:${'(?:a|b?)'.repeat(8)}){1,600}c`;
    expect(full(pattern, 'ab'.repeat(60))).toBe(false);
    expect(full(pattern, `${'ab'.repeat(60)}c`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  test('repetitions of what matches only the empty string compile at once (the state cap cannot bound them)', () => {
    const started = performance.now();
    expect(full(`${'(?:'.repeat(5)}${'){1000}'.repeat(5)}x`, 'x')).toBe(true);
    expect(full(`${'('.repeat(5)}a{0}${'){1000}'.repeat(5)}x`, 'x')).toBe(true);
    expect(full(`${'('.repeat(5)}a{0}${'){1000}'.repeat(5)}x`, 'ax')).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test("Python's meanings where JavaScript's differ", () => {
    // `$` also matches before a newline that ends the text; `\Z` only at the end.
    expect(full('a$\\n', 'a\n')).toBe(true);
    expect(full('a\\Z\\n', 'a\n')).toBe(false);
    expect(key('q', 'x.q\n')).toBe(true);
    // `]` first in a set is a member ('[]' is not the empty set).
    expect(['a', ']', 'b'].map((c) => full('[]a]', c))).toEqual([true, true, false]);
    expect(['a', ']', 'b'].map((c) => full('[^]a]', c))).toEqual([false, false, true]);
    // {,m} is 0 to m; a '{' that starts no quantifier is a literal.
    expect(['', 'aa', 'aaa'].map((t) => full('a{,2}', t))).toEqual([true, true, false]);
    expect(['a', 'aa', 'aaaa'].map((t) => full('a{,}', t))).toEqual([true, true, true]);
    expect([full('a{', 'a{'), full('a{x}', 'a{x}'), full('a{1,x}', 'a{1,x}'), full('a{}', 'a{}'), full('{', '{')]).toEqual([true, true, true, true, true]);
    // Octal, hex and Unicode escapes.
    expect([full('\\101', 'A'), full('\\0', '\0'), full('[\\1]', '\x01'), full('\\x41\\u0042\\U00000043', 'ABC')]).toEqual([true, true, true, true]);
    // \d, \w, \s are Unicode-aware; `.` takes one code point, not one UTF-16 unit, and never a newline.
    expect([full('\\d', '\u0663'), full('\\w+', 'caf\u00e9'), full('\\s', '\x1c'), full('\\S', '\ufeff')]).toEqual([true, true, true, true]);
    expect([full('.', '\u{1f600}'), full('..', '\u{1f600}'), full('.', '\n'), full('.', '\r')]).toEqual([true, false, false, true]);
    // A comment leaves nothing: a quantifier after it applies to what came before.
    expect(['', 'aaa'].map((t) => full('a(?#note)*', t))).toEqual([true, true]);
    // Named groups in Python's spelling and JavaScript's; lazy quantifiers full-match as greedy ones.
    expect([full('(?P<head>lm_head)|x', 'lm_head'), full('(?<n>a)+?b', 'aab'), full('a{2,3}?', 'aaa')]).toEqual([true, true, true]);
    // Look-behinds of equal-width alternatives, and lookarounds nested in one another.
    expect(['abx', 'cdx', 'aex'].map((t) => full('..(?<=ab|cd)x', t))).toEqual([true, true, false]);
    expect([full('a(?<=a(?=bc))bc', 'abc'), full('a(?<=a(?=bd))bc', 'abc')]).toEqual([true, false]);
    // Word boundaries by Python's Unicode \w.
    expect([full('.*\\bq.*', 'x.q_proj'), full('.*\\bq.*', 'xq_proj'), full('caf\u00e9\\b', 'caf\u00e9')]).toEqual([true, false, true]);
  });

  test("pattern keys follow peft's get_pattern_key: the end of the path, on a dot boundary", () => {
    expect(key('c_proj', 'transformer.h.1.mlp.c_proj')).toBe(true);
    expect(key('c_proj', 'c_proj')).toBe(true);
    expect(key('c_proj', 'x_c_proj')).toBe(false);
    expect(key('h\\.0\\.attn\\.c_attn', 'transformer.h.0.attn.c_attn')).toBe(true);
    expect(key('h\\.0\\.attn\\.c_attn', 'transformer.h.10.attn.c_attn')).toBe(false);
    // An alternation stays inside its group: `q|v` does not become `(.*\.)?q` or `v$`.
    expect(['a.q', 'a.v', 'a.qx', 'xv'].map((p) => key('q|v', p))).toEqual([true, true, false, false]);
    // `^` inside a key holds only at the start of the path, as in Python.
    expect([key('^c_proj', 'c_proj'), key('^c_proj', 'mlp.c_proj')]).toEqual([true, false]);
  });

  test('each pattern is compiled once, and the cache stays bounded', () => {
    const first = compileFullMatch('.*\\.q_proj');
    expect(compileFullMatch('.*\\.q_proj')).toBe(first);
    expect(compilePatternKey('.*\\.q_proj')).not.toBe(first);
    for (let i = 0; i < 200; i++) compileFullMatch(`layer${i}`);
    expect(compileFullMatch('.*\\.q_proj')).not.toBe(first);
    expect(compileFullMatch('.*\\.q_proj').test('a.q_proj')).toBe(true);
  });
});
