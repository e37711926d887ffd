/**
 * Which block may hold which: AdapterHub's table (`ALLOWED_NESTINGS`, without
 * its `Split`), and its depth rule: below the second level only Stacks and
 * adapter names. Parallel replicates the whole model's batch, so at most one
 * Parallel width is allowed in a composition.
 */
import { CompositionError } from '../errors';
import type { BlockType, Composition } from './blocks';

export type ChildKind = 'adapter' | BlockType;

export const ALLOWED_NESTING: Readonly<Record<BlockType, readonly ChildKind[]>> = Object.freeze({
  Stack: ['adapter', 'Fuse', 'Parallel', 'BatchSplit', 'Average'],
  Fuse: ['adapter', 'Stack'],
  Parallel: ['adapter', 'Stack', 'BatchSplit', 'Average'],
  BatchSplit: ['adapter', 'Stack', 'BatchSplit', 'Average'],
  Average: ['adapter', 'Stack', 'BatchSplit'],
});

function kindOf(child: Composition): ChildKind {
  return typeof child === 'string' ? 'adapter' : child.type;
}

export function describeChild(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Throws unless `parent` may hold `child` directly. */
export function assertNesting(parent: BlockType, child: Composition, at: string): void {
  const kind = kindOf(child);
  const allowed = ALLOWED_NESTING[parent];
  if (!allowed.includes(kind)) {
    const what = kind === 'adapter' ? 'an adapter name' : kind;
    throw new CompositionError('nesting', `cannot nest ${what} in ${parent}: ${parent} may hold ${allowed.map((k) => (k === 'adapter' ? 'adapter names' : k)).join(', ')}`, at);
  }
}

/**
 * Checks a whole composition against the table and the depth rule. Blocks made
 * with the constructors already passed the table; JSON and hand-made objects
 * are checked here in full.
 */
export function validateComposition(composition: Composition): void {
  const widths = new Set<number>();
  const visit = (node: Composition, level: number, at: string) => {
    if (typeof node === 'string') return;
    if (level > 1 && node.type !== 'Stack') {
      throw new CompositionError('nesting', `composition too deep: only Stack blocks and adapter names may sit below the second level, found ${node.type} at level ${level}`, at);
    }
    if (node.type === 'Parallel') widths.add(node.children.length);
    node.children.forEach((child, i) => {
      const childAt = `${at}[${i}]`;
      assertNesting(node.type, child, childAt);
      visit(child, level + 1, typeof child === 'string' ? childAt : `${childAt} > ${child.type}`);
    });
  };
  visit(composition, 0, typeof composition === 'string' ? '' : composition.type);
  if (widths.size > 1) {
    throw new CompositionError('nesting', `all Parallel blocks of a composition must have the same number of branches (the batch is replicated once), found ${[...widths].join(' and ')}`);
  }
}
