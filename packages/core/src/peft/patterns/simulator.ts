/**
 * Thompson simulation: the set of automaton states alive at each position,
 * advanced one character at a time, so a match costs at most (text length) x
 * (states) steps whatever the pattern: no backtracking, hence no catastrophic
 * case. A lookaround is its own automaton, run from the position it is asked
 * about; its answer is remembered per position, so each lookaround runs at most
 * once per position of the text and the total cost stays polynomial.
 */
import type { Anchor } from './ast';
import { isWordChar } from './char-sets';
import type { Automaton, Program } from './compiler';

/**
 * How a run accepts: `full` when the automaton matches up to the end of the text
 * (Python's re.fullmatch); `prefix` when it matches any prefix of the text from
 * where it starts (re.match, and lookaheads); `exact` when it matches up to a
 * given position (look-behinds, whose width is fixed).
 */
export type RunMode = 'full' | 'prefix' | 'exact';

/** Reusable buffers of one automaton. A run never re-enters its own automaton (lookarounds nest strictly), so one set each suffices. */
interface Scratch {
  readonly marks: Int32Array;
  generation: number;
  current: Int32Array;
  following: Int32Array;
  /** The states the last character led to, before their epsilon closure. */
  readonly targets: Int32Array;
  /** Each state pushes at most its two successors once per closure, plus the targets: 3 x states. */
  readonly stack: Int32Array;
}

/** The text being matched and what its lookarounds answered so far (0 unknown, 1 true, 2 false). */
interface Run {
  readonly text: readonly number[];
  readonly answers: Array<Int8Array | undefined>;
}

export class Simulator {
  private readonly scratch = new Map<Automaton, Scratch>();

  constructor(private readonly program: Program) {}

  /** Whether the main automaton accepts `text` (a string) in `mode`, from its start. */
  matches(text: string, mode: 'full' | 'prefix'): boolean {
    const codePoints: number[] = [];
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i) as number;
      codePoints.push(cp);
      i += cp > 0xffff ? 2 : 1;
    }
    const run: Run = { text: codePoints, answers: [] };
    return this.run(run, this.program.main, 0, mode, codePoints.length);
  }

  private buffers(automaton: Automaton): Scratch {
    let scratch = this.scratch.get(automaton);
    if (scratch === undefined) {
      const size = automaton.states.length;
      scratch = {
        marks: new Int32Array(size),
        generation: 0,
        current: new Int32Array(size),
        following: new Int32Array(size),
        targets: new Int32Array(size),
        stack: new Int32Array(3 * size),
      };
      this.scratch.set(automaton, scratch);
    }
    return scratch;
  }

  /** Runs `automaton` from position `from`; for `exact`, `end` is where it must end. */
  private run(run: Run, automaton: Automaton, from: number, mode: RunMode, end: number): boolean {
    const { states } = automaton;
    const scratch = this.buffers(automaton);
    const text = run.text;
    const targets = scratch.targets;
    targets[0] = automaton.start;
    let count = this.closure(run, automaton, scratch, 1, from, scratch.current);
    for (let pos = from; ; pos++) {
      if (count < 0) {
        // The match state is alive at `pos`.
        if (mode === 'prefix' || pos === end) return true;
        count = -count - 1;
      }
      if (pos >= end || count === 0) return false;
      const cp = text[pos];
      const alive = scratch.current;
      let targetCount = 0;
      for (let i = 0; i < count; i++) {
        const state = states[alive[i]];
        if (state.kind === 'char' && state.matcher.test(cp)) targets[targetCount++] = state.next;
      }
      count = this.closure(run, automaton, scratch, targetCount, pos + 1, scratch.following);
      [scratch.current, scratch.following] = [scratch.following, scratch.current];
    }
  }

  /**
   * Fills `list` with the character-consuming states reachable by epsilon moves
   * at `pos` from the first `targetCount` of `scratch.targets`, and returns how
   * many there are, as `-(n + 1)` when the match state is reachable too.
   */
  private closure(run: Run, automaton: Automaton, scratch: Scratch, targetCount: number, pos: number, list: Int32Array): number {
    const { states } = automaton;
    if (scratch.generation === 0x7fffffff) {
      scratch.marks.fill(0);
      scratch.generation = 0;
    }
    const generation = ++scratch.generation;
    const { marks, stack, targets } = scratch;
    let matched = false;
    let count = 0;
    let top = 0;
    for (let i = targetCount - 1; i >= 0; i--) stack[top++] = targets[i];
    while (top > 0) {
      const index = stack[--top];
      if (marks[index] === generation) continue;
      marks[index] = generation;
      const state = states[index];
      switch (state.kind) {
        case 'char':
          list[count++] = index;
          break;
        case 'match':
          matched = true;
          break;
        case 'split':
          stack[top++] = state.other;
          stack[top++] = state.next;
          break;
        case 'anchor':
          if (holds(state.anchor, run.text, pos)) stack[top++] = state.next;
          break;
        case 'lookaround':
          if (this.lookaround(run, state.lookaround, pos)) stack[top++] = state.next;
          break;
      }
    }
    return matched ? -(count + 1) : count;
  }

  private lookaround(run: Run, id: number, pos: number): boolean {
    const answers = (run.answers[id] ??= new Int8Array(run.text.length + 1));
    if (answers[pos] !== 0) return answers[pos] === 1;
    const look = this.program.lookarounds[id];
    const found = look.behind
      ? pos >= look.width && this.run(run, look.automaton, pos - look.width, 'exact', pos)
      : this.run(run, look.automaton, pos, 'prefix', run.text.length);
    const answer = found !== look.negated;
    answers[pos] = answer ? 1 : 2;
    return answer;
  }
}

function holds(anchor: Anchor, text: readonly number[], pos: number): boolean {
  const n = text.length;
  switch (anchor) {
    case 'start':
      return pos === 0;
    case 'end':
      return pos === n || (pos === n - 1 && text[n - 1] === 0x0a);
    case 'end-of-text':
      return pos === n;
    case 'word-boundary':
    case 'not-word-boundary': {
      const before = pos > 0 && isWordChar(text[pos - 1]);
      const after = pos < n && isWordChar(text[pos]);
      return (before !== after) === (anchor === 'word-boundary');
    }
  }
}
