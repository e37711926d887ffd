/**
 * Test support: random patterns from a small grammar, written both in Python
 * `re` syntax (what configs hold) and as the JavaScript RegExp with the same
 * meaning, each with a way to draw a string it likely matches. Only the
 * common ground of the two syntaxes is generated, plus the spellings that
 * differ (`(?P<name>` for `(?<name>`, `\A` and `\Z` for `^` and `$`).
 */
import { Generator } from '../../nn/random';

export interface RandomPattern {
  readonly python: string;
  readonly javascript: string;
  /** A string built to match, lookarounds and anchors aside (so it sometimes does not). */
  sample(random: Random): string;
}

/** Module-path-like characters: letters, digits, '_' and the dot. */
export const ALPHABET = ['a', 'b', 'q', 'v', 'x', '_', '.', '0', '1', '7'];

export class Random {
  private readonly generator: Generator;

  constructor(seed: number) {
    this.generator = new Generator(seed);
  }

  below(n: number): number {
    return Math.floor(this.generator.uniform() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  chance(p: number): boolean {
    return this.generator.uniform() < p;
  }

  /** A random module-path-like string of up to `maxLength` characters. */
  text(maxLength: number): string {
    let out = '';
    const length = this.below(maxLength + 1);
    for (let i = 0; i < length; i++) out += this.pick(ALPHABET);
    return out;
  }

  /** `text` with one character inserted, deleted or replaced: near misses of a match. */
  mutate(text: string): string {
    const at = this.below(text.length + 1);
    const kind = this.below(3);
    if (kind === 0 || text.length === 0) return text.slice(0, at) + this.pick(ALPHABET) + text.slice(at);
    const i = Math.min(at, text.length - 1);
    return text.slice(0, i) + (kind === 1 ? '' : this.pick(ALPHABET)) + text.slice(i + 1);
  }
}

const same = (text: string, sample: (random: Random) => string): RandomPattern => ({ python: text, javascript: text, sample });

interface CharChoice {
  readonly text: string;
  readonly members: readonly string[];
}

const CHAR_ATOMS: readonly CharChoice[] = [
  { text: 'a', members: ['a'] },
  { text: 'b', members: ['b'] },
  { text: 'q', members: ['q'] },
  { text: '_', members: ['_'] },
  { text: '0', members: ['0'] },
  { text: '\\.', members: ['.'] },
  { text: '.', members: ALPHABET },
  { text: '\\d', members: ['0', '1', '7'] },
  { text: '\\D', members: ['a', 'q', '.', '_'] },
  { text: '\\w', members: ['a', 'x', '_', '1'] },
  { text: '\\W', members: ['.'] },
  { text: '\\s', members: [' '] },
  { text: '\\S', members: ['a', '.', '7'] },
];

/** A character class: singles, ranges and escapes, maybe negated. */
function charClass(random: Random): CharChoice {
  const parts: string[] = [];
  const members = new Set<string>();
  const count = 1 + random.below(3);
  for (let i = 0; i < count; i++) {
    const kind = random.below(4);
    if (kind === 0) {
      const [low, high] = random.pick([['a', 'q'], ['0', '7'], ['a', 'z'], ['0', '9'], ['b', 'x']]);
      parts.push(`${low}-${high}`);
      for (const c of ALPHABET) if (c >= low && c <= high) members.add(c);
    } else if (kind === 1) {
      const escape = random.pick(['\\d', '\\w', '\\.', '\\-', '\\s']);
      parts.push(escape);
      const of: Record<string, string[]> = { '\\d': ['0', '1', '7'], '\\w': ALPHABET.filter((c) => c !== '.'), '\\.': ['.'], '\\-': ['-'], '\\s': [' '] };
      for (const c of of[escape]) members.add(c);
    } else {
      const c = random.pick(['a', 'b', 'q', 'v', '_', '.', '0', '1']);
      parts.push(c);
      members.add(c);
    }
  }
  if (random.chance(0.3)) return { text: `[^${parts.join('')}]`, members: ALPHABET.filter((c) => !members.has(c)) };
  return { text: `[${parts.join('')}]`, members: [...members] };
}

function single(random: Random): RandomPattern {
  const choice = random.chance(0.3) ? charClass(random) : random.pick(CHAR_ATOMS);
  return same(choice.text, (r) => (choice.members.length === 0 ? 'a' : r.pick(choice.members)));
}

/** Fixed-width text for look-behinds (Python refuses others): single characters in sequence. */
function fixedWidth(random: Random): RandomPattern {
  const parts = Array.from({ length: 1 + random.below(3) }, () => single(random));
  return {
    python: parts.map((p) => p.python).join(''),
    javascript: parts.map((p) => p.javascript).join(''),
    sample: (r) => parts.map((p) => p.sample(r)).join(''),
  };
}

const QUANTIFIERS: ReadonlyArray<readonly [string, number, number]> = [
  ['*', 0, 3],
  ['+', 1, 3],
  ['?', 0, 1],
  ['{2}', 2, 2],
  ['{1,3}', 1, 3],
  ['{0,2}', 0, 2],
  ['{2,}', 2, 4],
];

let groupCounter = 0;

/** A random pattern of nesting depth at most `depth`. */
export function randomPattern(random: Random, depth: number): RandomPattern {
  const kind = depth <= 0 ? 0 : random.below(10);
  switch (kind) {
    case 0:
    case 1:
      return single(random);
    case 2:
    case 3: {
      const items = Array.from({ length: 2 + random.below(3) }, () => randomPattern(random, depth - 1));
      return { python: items.map((i) => i.python).join(''), javascript: items.map((i) => i.javascript).join(''), sample: (r) => items.map((i) => i.sample(r)).join('') };
    }
    case 4: {
      const options = Array.from({ length: 2 + random.below(2) }, () => randomPattern(random, depth - 1));
      return { python: `(?:${options.map((o) => o.python).join('|')})`, javascript: `(?:${options.map((o) => o.javascript).join('|')})`, sample: (r) => r.pick(options).sample(r) };
    }
    case 5:
    case 6: {
      const item = randomPattern(random, depth - 1);
      const [quantifier, min, max] = random.pick(QUANTIFIERS);
      const lazy = random.chance(0.25) ? '?' : '';
      const group = random.below(3);
      const name = `g${groupCounter++}`;
      const [open, jsOpen] = group === 0 ? ['(?:', '(?:'] : group === 1 ? ['(', '('] : [`(?P<${name}>`, `(?<${name}>`];
      return {
        python: `${open}${item.python})${quantifier}${lazy}`,
        javascript: `${jsOpen}${item.javascript})${quantifier}${lazy}`,
        sample: (r) => Array.from({ length: min + r.below(max - min + 1) }, () => item.sample(r)).join(''),
      };
    }
    case 7: {
      const [python, javascript] = random.pick([
        ['^', '^'],
        ['$', '$'],
        ['\\A', '^'],
        ['\\Z', '$'],
        ['\\b', '\\b'],
        ['\\B', '\\B'],
      ]);
      return { python, javascript, sample: () => '' };
    }
    case 8: {
      const body = randomPattern(random, depth - 1);
      const negated = random.chance(0.5) ? '!' : '=';
      return { python: `(?${negated}${body.python})`, javascript: `(?${negated}${body.javascript})`, sample: () => '' };
    }
    default: {
      const body = fixedWidth(random);
      const negated = random.chance(0.5) ? '!' : '=';
      return { python: `(?<${negated}${body.python})`, javascript: `(?<${negated}${body.javascript})`, sample: () => '' };
    }
  }
}
