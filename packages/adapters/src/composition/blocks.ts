/**
 * Composition blocks, AdapterHub's `Stack`, `Parallel`, `BatchSplit`,
 * `Average` and `Fuse`, as plain frozen data: `JSON.stringify(block)` is its
 * file form and `parseComposition` reads it back. A bare adapter name is a
 * composition too (one adapter).
 *
 * The constructors check what a block can check alone (children present, sizes,
 * weights, which children it may hold); rules on the whole tree (depth, one
 * kind of Parallel) are in nesting.ts, and run again when a composition is activated.
 */
import { CompositionError } from '../errors';
import { assertNesting, describeChild } from './nesting';

export type BlockType = 'Stack' | 'Parallel' | 'BatchSplit' | 'Average' | 'Fuse';

/** An adapter name, or a block of them. */
export type Composition = string | CompositionBlock;

export type CompositionBlock = StackBlock | ParallelBlock | BatchSplitBlock | AverageBlock | FuseBlock;

/** Adapters applied one after the other, the first innermost (closest to the layer). */
export interface StackBlock {
  readonly type: 'Stack';
  readonly children: readonly Composition[];
}

/**
 * Each child on its own copy of the input. The model's input batch is
 * replicated once per child (as AdapterHub does), so everything after the first
 * adapted layer runs on `children.length * batch` rows: rows
 * `[i * batch, (i + 1) * batch)` are child i's. See `splitParallelOutput`.
 */
export interface ParallelBlock {
  readonly type: 'Parallel';
  readonly children: readonly Composition[];
}

/** Rows of the batch routed to children: the first `batchSizes[0]` rows to child 0, and so on. */
export interface BatchSplitBlock {
  readonly type: 'BatchSplit';
  readonly children: readonly Composition[];
  readonly batchSizes: readonly number[];
}

/** The weighted average of the children's outputs. */
export interface AverageBlock {
  readonly type: 'Average';
  readonly children: readonly Composition[];
  /** One per child; normalised to sum 1 at construction unless asked not to. */
  readonly weights: readonly number[];
}

/**
 * AdapterFusion: attention, per token, over the children's outputs. Its
 * parameters belong to a fusion adapter named `name` (see `addFusion`).
 */
export interface FuseBlock {
  readonly type: 'Fuse';
  readonly children: readonly Composition[];
  readonly name: string;
}

export interface BatchSplitOptions {
  /** Rows per child, or one size for every child. */
  batchSizes: number | readonly number[];
}

export interface AverageOptions {
  /** One weight per child (default: equal weights). */
  weights?: readonly number[];
  /** Divide the weights by their sum (default true, as AdapterHub). */
  normalizeWeights?: boolean;
}

export interface FuseOptions {
  /** The fusion adapter's name (default `fuse_` and the children's names joined by `_`). */
  name?: string;
}

type WithOptions<O> = [...children: Composition[], options: O] | Composition[];

function isBlock(value: unknown): value is CompositionBlock {
  return typeof value === 'object' && value !== null && 'type' in value;
}

function splitOptions<O extends object>(args: readonly unknown[]): { children: Composition[]; options: Partial<O> } {
  const last = args[args.length - 1];
  if (typeof last === 'object' && last !== null && !isBlock(last)) return { children: args.slice(0, -1) as Composition[], options: last as Partial<O> };
  return { children: args as Composition[], options: {} };
}

function checkChildren(type: BlockType, children: readonly Composition[]): void {
  if (children.length === 0) throw new CompositionError('malformed', `${type}: expected at least one child, found none`);
  for (const [i, child] of children.entries()) {
    if (typeof child === 'string') {
      if (child === '') throw new CompositionError('malformed', `${type}: child ${i} is an empty adapter name`);
    } else if (!isBlock(child)) {
      throw new CompositionError('malformed', `${type}: child ${i} must be an adapter name or a block, found ${describeChild(child)}`);
    }
    assertNesting(type, child, `${type}[${i}]`);
  }
}

function freeze<B extends CompositionBlock>(block: B): B {
  Object.freeze(block.children);
  return Object.freeze(block);
}

export function Stack(...children: Composition[]): StackBlock {
  checkChildren('Stack', children);
  return freeze({ type: 'Stack', children: [...children] });
}

export function Parallel(...children: Composition[]): ParallelBlock {
  checkChildren('Parallel', children);
  return freeze({ type: 'Parallel', children: [...children] });
}

export function BatchSplit(...args: WithOptions<BatchSplitOptions>): BatchSplitBlock {
  const { children, options } = splitOptions<BatchSplitOptions>(args);
  checkChildren('BatchSplit', children);
  const given = options.batchSizes;
  if (given === undefined) throw new CompositionError('malformed', 'BatchSplit: expected { batchSizes } after the children, found none');
  const batchSizes = typeof given === 'number' ? children.map(() => given) : [...given];
  if (batchSizes.length !== children.length) {
    throw new CompositionError('malformed', `BatchSplit: expected one batch size per child (${children.length}), found ${batchSizes.length}`);
  }
  const bad = batchSizes.find((size) => !Number.isInteger(size) || size <= 0);
  if (bad !== undefined) throw new CompositionError('malformed', `BatchSplit: expected positive integer batch sizes, found ${bad}`);
  return freeze({ type: 'BatchSplit', children, batchSizes: Object.freeze(batchSizes) });
}

export function Average(...args: WithOptions<AverageOptions>): AverageBlock {
  const { children, options } = splitOptions<AverageOptions>(args);
  checkChildren('Average', children);
  const raw = options.weights === undefined ? children.map(() => 1) : [...options.weights];
  if (raw.length !== children.length) {
    throw new CompositionError('malformed', `Average: expected one weight per child (${children.length}), found ${raw.length}`);
  }
  if (raw.some((w) => !Number.isFinite(w))) throw new CompositionError('malformed', `Average: expected finite weights, found [${raw.join(', ')}]`);
  const sum = raw.reduce((a, b) => a + b, 0);
  const normalize = options.normalizeWeights ?? true;
  if (normalize && sum === 0) throw new CompositionError('malformed', `Average: weights [${raw.join(', ')}] sum to 0 and cannot be normalised`);
  const weights = normalize ? raw.map((w) => w / sum) : raw;
  return freeze({ type: 'Average', children, weights: Object.freeze(weights) });
}

export function Fuse(...args: WithOptions<FuseOptions>): FuseBlock {
  const { children, options } = splitOptions<FuseOptions>(args);
  checkChildren('Fuse', children);
  const leaves = children.map((child) => (typeof child === 'string' ? child : lastAdapter(child)));
  if (new Set(leaves).size !== leaves.length) throw new CompositionError('malformed', `Fuse: expected distinct children, found [${leaves.join(', ')}]`);
  const name = options.name ?? `fuse_${leaves.join('_')}`;
  return freeze({ type: 'Fuse', children, name });
}

/** The adapter names in a composition, each once, in the order they first appear. */
export function adapterNamesOf(composition: Composition): string[] {
  const names: string[] = [];
  const visit = (node: Composition) => {
    if (typeof node === 'string') {
      if (!names.includes(node)) names.push(node);
    } else node.children.forEach(visit);
  };
  visit(composition);
  return names;
}

/** Every Fuse block in a composition. */
export function fuseBlocksOf(composition: Composition): FuseBlock[] {
  if (typeof composition === 'string') return [];
  const own = composition.type === 'Fuse' ? [composition] : [];
  return [...own, ...composition.children.flatMap(fuseBlocksOf)];
}

/** How many copies of the batch the model runs on: the branch count of its Parallel block, else 1. */
export function parallelChannels(composition: Composition): number {
  if (typeof composition === 'string') return 1;
  const own = composition.type === 'Parallel' ? composition.children.length : 1;
  return Math.max(own, ...composition.children.map(parallelChannels));
}

/** AdapterHub names a fusion after the last adapter of each child. */
function lastAdapter(block: CompositionBlock): string {
  const last = block.children[block.children.length - 1];
  return typeof last === 'string' ? last : lastAdapter(last);
}

/** A readable form: `Stack(a, Fuse(b, c))`. */
export function formatComposition(composition: Composition): string {
  if (typeof composition === 'string') return composition;
  const inner = composition.children.map(formatComposition).join(', ');
  switch (composition.type) {
    case 'BatchSplit':
      return `BatchSplit(${inner}; batchSizes [${composition.batchSizes.join(', ')}])`;
    case 'Average':
      return `Average(${inner}; weights [${composition.weights.map((w) => +w.toFixed(4)).join(', ')}])`;
    default:
      return `${composition.type}(${inner})`;
  }
}
