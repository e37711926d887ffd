/**
 * PatternNode -> Thompson automaton. Every node becomes a few states linked by
 * epsilon moves; counted repetitions are unrolled, which is why the automaton
 * size is capped. Each lookaround body gets an automaton of its own, run by the
 * simulator at the positions where the lookaround is asked about.
 */
import { widthOf, type Anchor, type PatternNode } from './ast';
import type { CharMatcher } from './char-sets';
import { InvalidPatternError } from './errors';
import { PATTERN_LIMITS } from './limits';

export type State =
  | { readonly kind: 'char'; readonly matcher: CharMatcher; readonly next: number }
  /** An epsilon move to both `next` and `other`. `next` is mutable: loops are closed after their body is built. */
  | { readonly kind: 'split'; next: number; readonly other: number }
  | { readonly kind: 'anchor'; readonly anchor: Anchor; readonly next: number }
  | { readonly kind: 'lookaround'; readonly lookaround: number; readonly next: number }
  | { readonly kind: 'match' };

export interface Automaton {
  readonly states: readonly State[];
  readonly start: number;
}

export interface Lookaround {
  readonly automaton: Automaton;
  readonly behind: boolean;
  readonly negated: boolean;
  /** For a look-behind: how many characters its body spans (always fixed, as in Python). */
  readonly width: number;
}

export interface Program {
  readonly main: Automaton;
  readonly lookarounds: readonly Lookaround[];
  /** States of the main automaton and of every lookaround's. */
  readonly stateCount: number;
}

export function compileProgram(node: PatternNode, source: string, field?: string): Program {
  return new Compiler(source, field).compile(node);
}

class Compiler {
  private stateCount = 0;
  private readonly lookarounds: Lookaround[] = [];
  /** The outermost repetition being unrolled, named when the size cap is hit since it is what to shrink. */
  private outerRepeat: number | undefined;

  constructor(
    private readonly source: string,
    private readonly field: string | undefined,
  ) {}

  compile(node: PatternNode): Program {
    const main = this.automaton(node);
    return { main, lookarounds: this.lookarounds, stateCount: this.stateCount };
  }

  private automaton(node: PatternNode): Automaton {
    const states: State[] = [];
    const matchState = this.add(states, { kind: 'match' });
    const start = this.build(states, node, matchState);
    return { states, start };
  }

  private add(states: State[], state: State): number {
    this.stateCount++;
    if (this.stateCount > PATTERN_LIMITS.maxStates) {
      throw new InvalidPatternError(
        'TOO_LARGE',
        this.source,
        this.outerRepeat ?? 0,
        `expected an automaton of at most ${PATTERN_LIMITS.maxStates} states, found more (counted repetitions multiply the size of what they repeat)`,
        this.field,
      );
    }
    states.push(state);
    return states.length - 1;
  }

  /** Builds `node` so that it continues to state `next`; returns its first state. */
  private build(states: State[], node: PatternNode, next: number): number {
    switch (node.kind) {
      case 'empty':
        return next;
      case 'char':
        return this.add(states, { kind: 'char', matcher: node.matcher, next });
      case 'anchor':
        return this.add(states, { kind: 'anchor', anchor: node.anchor, next });
      case 'concat': {
        let start = next;
        for (let i = node.items.length - 1; i >= 0; i--) start = this.build(states, node.items[i], start);
        return start;
      }
      case 'alternation': {
        const starts = node.options.map((option) => this.build(states, option, next));
        let start = starts[starts.length - 1];
        for (let i = starts.length - 2; i >= 0; i--) start = this.add(states, { kind: 'split', next: starts[i], other: start });
        return start;
      }
      case 'lookaround': {
        const automaton = this.automaton(node.body);
        const width = node.behind ? widthOf(node.body)[0] : 0;
        this.lookarounds.push({ automaton, behind: node.behind, negated: node.negated, width });
        return this.add(states, { kind: 'lookaround', lookaround: this.lookarounds.length - 1, next });
      }
      case 'repeat':
        return this.repeat(states, node, next);
    }
  }

  private repeat(states: State[], node: Extract<PatternNode, { kind: 'repeat' }>, next: number): number {
    const outermost = this.outerRepeat === undefined;
    if (outermost) this.outerRepeat = node.position;
    let start = next;
    if (node.max === Infinity) {
      const loop = this.add(states, { kind: 'split', next: -1, other: next });
      (states[loop] as Extract<State, { kind: 'split' }>).next = this.build(states, node.item, loop);
      start = loop;
    } else {
      // x{2,4} is x x (x (x)?)?: each optional copy may end the repetition.
      for (let i = node.min; i < node.max; i++) start = this.add(states, { kind: 'split', next: this.build(states, node.item, start), other: next });
    }
    for (let i = 0; i < node.min; i++) start = this.build(states, node.item, start);
    if (outermost) this.outerRepeat = undefined;
    return start;
  }
}
