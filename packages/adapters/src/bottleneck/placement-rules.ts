/**
 * Placement rules: where bottleneck adapters go in any module tree, as plain
 * JSON on module paths (so a config file can carry them).
 *
 *   { "module": "mlp.dropout", "position": "after", "size": "mlp.c_proj" }
 *   { "module": "mlp.dropout", "position": "beside", "source": { "module": "ln_2", "side": "output" } }
 *
 * `module` matches as peft's list-form target_modules: a path equal to it or
 * ending in `.module`. Every other path in the rule (`size`, `source.module`)
 * is taken relative to the same place: the matched path with `module` cut off
 * its end. So `mlp.dropout` matching `transformer.h.3.mlp.dropout` reads its
 * source from `transformer.h.3.ln_2`.
 *
 * - `after`: the adapter runs on the module's output: y + s * up(f(down(y))).
 * - `beside`: it runs on the module's input (or on `source`, the input or
 *   output of another module that runs before it) and adds to the output:
 *   y + s * up(f(down(x))). This is the parallel adapter of He et al. (2022).
 * - `size`: the module's output width, when it declares none (a Dropout): a
 *   number, or the path of a module whose output width it is.
 */
import { InvalidArgumentError } from '@peftjs/core';

export type PlacementPosition = 'after' | 'beside';

export interface PlacementSource {
  readonly module: string;
  readonly side: 'input' | 'output';
}

export interface PlacementRule {
  readonly module: string;
  readonly position: PlacementPosition;
  readonly size?: number | string;
  readonly source?: PlacementSource;
}

function fail(index: number, key: string, expected: string, found: unknown): never {
  throw new InvalidArgumentError(`placement[${index}].${key}: expected ${expected}, found ${JSON.stringify(found) ?? String(found)}`);
}

/** Checks rules read from JSON; typed errors name the rule and the key. */
export function parsePlacementRules(raw: unknown): PlacementRule[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new InvalidArgumentError(`placement: expected a non-empty list of rules, found ${JSON.stringify(raw)}`);
  }
  return raw.map((rule: unknown, i) => {
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) fail(i, '', 'an object', rule);
    const { module, position, size, source, ...rest } = rule as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) fail(i, unknown[0], 'no such key (keys: module, position, size, source)', rest[unknown[0]]);
    if (typeof module !== 'string' || module === '') fail(i, 'module', 'a module path', module);
    if (position !== 'after' && position !== 'beside') fail(i, 'position', "'after' or 'beside'", position);
    if (size !== undefined && !(typeof size === 'string' && size !== '') && !(Number.isInteger(size) && (size as number) > 0)) {
      fail(i, 'size', 'a positive integer or a module path', size);
    }
    let parsedSource: PlacementSource | undefined;
    if (source !== undefined) {
      if (position !== 'beside') fail(i, 'source', "nothing: only 'beside' adapters read another module", source);
      const s = source as Record<string, unknown>;
      if (typeof s !== 'object' || s === null || typeof s.module !== 'string' || s.module === '') fail(i, 'source.module', 'a module path', s?.module);
      if (s.side !== 'input' && s.side !== 'output') fail(i, 'source.side', "'input' or 'output'", s.side);
      parsedSource = { module: s.module as string, side: s.side as 'input' | 'output' };
    }
    return { module: module as string, position: position as PlacementPosition, ...(size === undefined ? {} : { size: size as number | string }), ...(parsedSource ? { source: parsedSource } : {}) };
  });
}
