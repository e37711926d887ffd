/**
 * Compositions from JSON (files, configs, user input): every shape checked,
 * rebuilt through the block constructors, then the whole tree validated.
 * Arrays are read as AdapterHub reads them: a list is a Stack.
 */
import { CompositionError } from '../errors';
import { Average, BatchSplit, Fuse, Parallel, Stack, type Composition } from './blocks';
import { describeChild, validateComposition } from './nesting';

const TYPES = ['Stack', 'Parallel', 'BatchSplit', 'Average', 'Fuse'];

function numbers(value: unknown, key: string, type: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number')) {
    throw new CompositionError('malformed', `${type}: '${key}' must be a list of numbers, found ${describeChild(value)}`);
  }
  return value as number[];
}

function build(value: unknown): Composition {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return Stack(...value.map(build));
  if (typeof value !== 'object' || value === null) {
    throw new CompositionError('malformed', `expected an adapter name or a block object, found ${describeChild(value)}`);
  }
  const { type, children } = value as { type?: unknown; children?: unknown };
  if (typeof type !== 'string' || !TYPES.includes(type)) {
    throw new CompositionError('malformed', `block 'type': expected one of ${TYPES.join(', ')}, found ${describeChild(type)}`);
  }
  if (!Array.isArray(children)) throw new CompositionError('malformed', `${type}: 'children' must be a list, found ${describeChild(children)}`);
  const built = children.map(build);
  const raw = value as Record<string, unknown>;
  switch (type) {
    case 'Stack':
      return Stack(...built);
    case 'Parallel':
      return Parallel(...built);
    case 'BatchSplit':
      return BatchSplit(...built, { batchSizes: numbers(raw.batchSizes, 'batchSizes', type) });
    case 'Average':
      // Stored weights are already what the block uses: keep them as they are.
      return Average(...built, { weights: numbers(raw.weights, 'weights', type), normalizeWeights: false });
    default:
      if (raw.name !== undefined && typeof raw.name !== 'string') throw new CompositionError('malformed', `Fuse: 'name' must be a string, found ${describeChild(raw.name)}`);
      return Fuse(...built, { name: raw.name as string | undefined });
  }
}

/** Reads a composition from its JSON form (as `JSON.stringify` wrote it), validating it fully. */
export function parseComposition(json: unknown): Composition {
  const composition = build(json);
  validateComposition(composition);
  return composition;
}
