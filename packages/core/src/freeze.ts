/**
 * Freezing: which parameters optimisers may update. The flags set here are the
 * `trainable` flags of the underlying tf.Variables, so they are exactly what
 * tfjs optimisers and `tf.variableGrads` see.
 *
 * A pattern names parameters by dotted path:
 * - a RegExp is tested against the full path;
 * - a string with `*` is a glob: `*` matches within one path segment, `**` across segments;
 * - any other string matches the path itself, a module prefix (`encoder` matches
 *   `encoder.0.weight`) or a suffix on a segment boundary (`bias` matches `fc.bias`).
 */
import { NotFoundError } from './errors';
import type { Module } from './nn/module';
import type { Parameter } from './nn/parameter';
import { closestNames } from './util/closest';

export type ParameterPattern = string | RegExp;
export type ParameterPredicate = (path: string, parameter: Parameter) => boolean;

/** Marks every parameter of the tree frozen. */
export function freeze(model: Module<never, unknown>): void {
  for (const parameter of model.parameters()) parameter.trainable = false;
}

/**
 * Marks the parameters matching any pattern trainable. Every pattern must match
 * at least one parameter: a typo is an error, not a silent no-op.
 * Returns the paths made trainable.
 */
export function unfreeze(model: Module<never, unknown>, patterns: ParameterPattern | readonly ParameterPattern[]): string[] {
  const list = Array.isArray(patterns) ? (patterns as readonly ParameterPattern[]) : [patterns as ParameterPattern];
  const named = model.namedParameters();
  const matched = new Set<string>();
  for (const pattern of list) {
    const test = compilePattern(pattern);
    const hits = named.filter(([path]) => test(path));
    if (hits.length === 0) {
      throw new NotFoundError(`pattern ${String(pattern)} matches no parameter`, closestNames(String(pattern), named.map(([p]) => p)));
    }
    for (const [path] of hits) matched.add(path);
  }
  // Flags change only after every pattern was checked, so a bad list changes nothing.
  for (const [path, parameter] of named) if (matched.has(path)) parameter.trainable = true;
  return [...matched];
}

/** Freezes everything, then unfreezes exactly the parameters that match. Returns their paths. */
export function markOnlyTrainable(
  model: Module<never, unknown>,
  selection: ParameterPattern | readonly ParameterPattern[] | ParameterPredicate,
): string[] {
  if (typeof selection === 'function') {
    const named = model.namedParameters();
    const chosen = named.filter(([path, parameter]) => selection(path, parameter));
    if (chosen.length === 0) throw new NotFoundError('markOnlyTrainable: the predicate matches no parameter');
    freeze(model);
    for (const [, parameter] of chosen) parameter.trainable = true;
    return chosen.map(([path]) => path);
  }
  // Validate before freezing, so a bad pattern leaves the flags as they were.
  const flags = model.parameters().map((p) => [p, p.trainable] as const);
  freeze(model);
  try {
    return unfreeze(model, selection);
  } catch (error) {
    for (const [parameter, trainable] of flags) parameter.trainable = trainable;
    throw error;
  }
}

/** The trainable parameters, by path. */
export function trainableParameters(model: Module<never, unknown>): Array<[string, Parameter]> {
  return model.namedParameters().filter(([, p]) => p.trainable);
}

export function compilePattern(pattern: ParameterPattern): (path: string) => boolean {
  if (pattern instanceof RegExp) {
    const regex = new RegExp(pattern.source, pattern.flags.replace('g', ''));
    return (path) => regex.test(path);
  }
  if (pattern.includes('*')) {
    const source = pattern
      .split(/(\*\*|\*)/)
      .map((part) => (part === '**' ? '.*' : part === '*' ? '[^.]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    const regex = new RegExp(`^${source}$`);
    return (path) => regex.test(path);
  }
  return (path) => path === pattern || path.startsWith(`${pattern}.`) || path.endsWith(`.${pattern}`);
}
