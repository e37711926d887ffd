/**
 * The parsed form of a pattern. Groups leave no node of their own: whether a
 * path matches does not depend on what a group captured (backreferences, the
 * one feature that would, are refused), nor on greedy versus lazy repetition.
 */
import type { CharMatcher } from './char-sets';

/** Zero-width tests at a position, with Python `re`'s meanings (no MULTILINE). */
export type Anchor =
  /** `^` and `\A`: the start of the text. */
  | 'start'
  /** `$`: the end of the text, or just before a newline that ends it. */
  | 'end'
  /** `\Z`: the end of the text only. */
  | 'end-of-text'
  /** `\b` */
  | 'word-boundary'
  /** `\B` */
  | 'not-word-boundary';

export type PatternNode =
  | { readonly kind: 'empty' }
  | { readonly kind: 'char'; readonly matcher: CharMatcher }
  | { readonly kind: 'concat'; readonly items: readonly PatternNode[] }
  | { readonly kind: 'alternation'; readonly options: readonly PatternNode[] }
  /** `max` is Infinity for `*`, `+` and `{n,}`. `position` is where the repeated item starts, for error messages. */
  | { readonly kind: 'repeat'; readonly item: PatternNode; readonly min: number; readonly max: number; readonly position: number }
  | { readonly kind: 'anchor'; readonly anchor: Anchor }
  /** `(?=...)`, `(?!...)`, `(?<=...)`, `(?<!...)`. */
  | { readonly kind: 'lookaround'; readonly behind: boolean; readonly negated: boolean; readonly body: PatternNode };

export const EMPTY: PatternNode = { kind: 'empty' };

export function concat(items: PatternNode[]): PatternNode {
  const flat = items.flatMap((item) => (item.kind === 'concat' ? item.items : item.kind === 'empty' ? [] : [item]));
  return flat.length === 0 ? EMPTY : flat.length === 1 ? flat[0] : { kind: 'concat', items: flat };
}

export function alternation(options: PatternNode[]): PatternNode {
  return options.length === 1 ? options[0] : { kind: 'alternation', options };
}

/**
 * A repetition, with the repeats that match only the empty string folded away:
 * then every node but EMPTY adds at least one automaton state, so the state cap
 * also bounds compile time (`((?:){1000}){1000}...` would otherwise unroll
 * nothing 10^15 times without ever reaching it).
 */
export function repeat(item: PatternNode, min: number, max: number, position: number): PatternNode {
  if (item.kind === 'empty' || max === 0) return EMPTY;
  return { kind: 'repeat', item, min, max, position };
}

/** The fewest and most characters a node matches (Infinity when unbounded); lookarounds and anchors match none. */
export function widthOf(node: PatternNode): [number, number] {
  switch (node.kind) {
    case 'empty':
    case 'anchor':
    case 'lookaround':
      return [0, 0];
    case 'char':
      return [1, 1];
    case 'concat':
      return node.items.map(widthOf).reduce(([lo, hi], [a, b]) => [lo + a, hi + b], [0, 0]);
    case 'alternation': {
      const widths = node.options.map(widthOf);
      return [Math.min(...widths.map(([lo]) => lo)), Math.max(...widths.map(([, hi]) => hi))];
    }
    case 'repeat': {
      const [lo, hi] = widthOf(node.item);
      return [lo * node.min, hi === 0 ? 0 : hi * node.max];
    }
  }
}
