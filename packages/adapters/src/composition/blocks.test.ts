import { CompositionError } from '../errors';
import { Average, BatchSplit, Fuse, Parallel, Stack, adapterNamesOf, formatComposition, parallelChannels, type Composition } from './blocks';
import { ALLOWED_NESTING, validateComposition } from './nesting';
import { parseComposition } from './parse';

const reasonOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CompositionError);
    return `${(error as CompositionError).reason}: ${(error as Error).message}`;
  }
  throw new Error('expected a CompositionError');
};

describe('composition blocks', () => {
  test('are plain data: JSON round-trips through parseComposition', () => {
    const compositions: Composition[] = [
      'a',
      Stack('a', Fuse('b', 'c')),
      Parallel('a', Stack('b', 'c')),
      BatchSplit('a', Average('b', 'c', { weights: [1, 3] }), { batchSizes: [2, 3] }),
      Average('a', BatchSplit('b', 'c', { batchSizes: 1 })),
      Fuse('a', Stack('b', 'c'), { name: 'my_fusion' }),
    ];
    for (const composition of compositions) {
      const json = JSON.parse(JSON.stringify(composition)) as unknown;
      expect(parseComposition(json)).toEqual(composition);
    }
    expect(JSON.stringify(Stack('a', Fuse('b', 'c')))).toBe('{"type":"Stack","children":["a",{"type":"Fuse","children":["b","c"],"name":"fuse_b_c"}]}');
  });

  test('Average normalises its weights (unless asked not to); BatchSplit takes one size for all', () => {
    expect(Average('a', 'b', { weights: [1, 3] }).weights).toEqual([0.25, 0.75]);
    expect(Average('a', 'b').weights).toEqual([0.5, 0.5]);
    expect(Average('a', 'b', { weights: [2, 2], normalizeWeights: false }).weights).toEqual([2, 2]);
    expect(BatchSplit('a', 'b', { batchSizes: 4 }).batchSizes).toEqual([4, 4]);
  });

  test('names, branches and a readable form', () => {
    const composition = Stack('a', Parallel('b', Stack('c', 'a')));
    expect(adapterNamesOf(composition)).toEqual(['a', 'b', 'c']);
    expect(parallelChannels(composition)).toBe(2);
    expect(formatComposition(composition)).toBe('Stack(a, Parallel(b, Stack(c, a)))');
    expect(Object.isFrozen(composition)).toBe(true);
  });

  test("the nesting table is AdapterHub's (without Split)", () => {
    expect(ALLOWED_NESTING).toEqual({
      Stack: ['adapter', 'Fuse', 'Parallel', 'BatchSplit', 'Average'],
      Fuse: ['adapter', 'Stack'],
      Parallel: ['adapter', 'Stack', 'BatchSplit', 'Average'],
      BatchSplit: ['adapter', 'Stack', 'BatchSplit', 'Average'],
      Average: ['adapter', 'Stack', 'BatchSplit'],
    });
  });

  test('an invalid nesting is a CompositionError naming it', () => {
    expect(reasonOf(() => Fuse('a', Parallel('b', 'c')))).toBe('nesting: cannot nest Parallel in Fuse: Fuse may hold adapter names, Stack (at Fuse[1])');
    expect(reasonOf(() => Stack('a', Stack('b', 'c')))).toMatch(/^nesting: cannot nest Stack in Stack/);
    expect(reasonOf(() => Average('a', Fuse('b', 'c')))).toMatch(/cannot nest Fuse in Average/);
    expect(reasonOf(() => Parallel('a', Parallel('b', 'c')))).toMatch(/cannot nest Parallel in Parallel/);
    // Deeper than two levels, only Stacks: AdapterHub's depth rule.
    expect(reasonOf(() => validateComposition(Stack(BatchSplit('a', Average('b', 'c'), { batchSizes: 1 }))))).toMatch(
      /^nesting: composition too deep: .* found Average at level 2 \(at Stack\[0\] > BatchSplit\[1\] > Average\)/,
    );
    expect(reasonOf(() => validateComposition(Stack(Parallel('a', 'b'), Parallel('c', 'd', 'e'))))).toMatch(/same number of branches .*, found 2 and 3/);
    // JSON is checked in full, also where the constructors would have been bypassed.
    expect(reasonOf(() => parseComposition({ type: 'Fuse', children: ['a', { type: 'Average', children: ['b'], weights: [1] }] }))).toMatch(/cannot nest Average in Fuse/);
  });

  test('malformed blocks are CompositionErrors', () => {
    expect(reasonOf(() => Stack())).toMatch(/^malformed: Stack: expected at least one child/);
    expect(reasonOf(() => BatchSplit('a', 'b', { batchSizes: [1] }))).toMatch(/one batch size per child \(2\), found 1/);
    expect(reasonOf(() => BatchSplit('a', 'b', { batchSizes: [1, 0] }))).toMatch(/positive integer batch sizes, found 0/);
    expect(reasonOf(() => (BatchSplit as (...a: unknown[]) => unknown)('a', 'b'))).toMatch(/expected \{ batchSizes \}/);
    expect(reasonOf(() => Average('a', 'b', { weights: [1, -1] }))).toMatch(/sum to 0/);
    expect(reasonOf(() => Average('a', 'b', { weights: [1] }))).toMatch(/one weight per child/);
    expect(reasonOf(() => Fuse('a', 'a'))).toMatch(/distinct children/);
    expect(reasonOf(() => parseComposition({ type: 'Split', children: ['a'] }))).toMatch(/block 'type': expected one of Stack, Parallel/);
    expect(reasonOf(() => parseComposition(42))).toMatch(/expected an adapter name or a block object, found 42/);
    expect(reasonOf(() => parseComposition({ type: 'BatchSplit', children: ['a'], batchSizes: 'two' }))).toMatch(/'batchSizes' must be a list of numbers/);
  });
});
