/**
 * Which parameters a loop adapts. A selection names parameters by dotted path
 * with core's patterns (exact path, module prefix, `*` / `**` globs, RegExp),
 * or picks them with a predicate; by default it is the trainable parameters,
 * which for a PeftModel are exactly its active adapters' parameters. So
 * "MAML over LoRA" or "over a soft prompt" needs no option at all.
 */
import { NotFoundError, closestNames, compilePattern, type Module, type Parameter, type ParameterPattern, type ParameterPredicate } from '@peftjs/core';
import { EmptyParameterSubsetError } from './errors';

export type ParameterSelection = ParameterPattern | readonly ParameterPattern[] | ParameterPredicate | { readonly trainable: true };

/** The default selection: every parameter whose `trainable` flag is set. */
export const TRAINABLE: ParameterSelection = Object.freeze({ trainable: true as const });

/**
 * Resolves a selection to `[path, parameter]` pairs in the model's order.
 * Every pattern must match something (a typo is a NotFoundError with the
 * closest names, not a silently smaller subset) and the result must not be empty.
 */
export function selectParameters(model: Module<never, unknown>, selection: ParameterSelection = TRAINABLE, what = 'parameter subset'): Array<[string, Parameter]> {
  const named = model.namedParameters();
  let chosen: Array<[string, Parameter]>;
  if (typeof selection === 'function') {
    chosen = named.filter(([path, parameter]) => selection(path, parameter));
    if (chosen.length === 0) throw new EmptyParameterSubsetError(what, `the predicate matches none of the ${named.length} parameter(s)`);
  } else if (isTrainableSelection(selection)) {
    chosen = named.filter(([, parameter]) => parameter.trainable);
    if (chosen.length === 0) throw new EmptyParameterSubsetError(what, `all ${named.length} parameter(s) are frozen; name the parameters to adapt, or unfreeze some`);
  } else {
    const patterns = (Array.isArray(selection) ? selection : [selection]) as readonly ParameterPattern[];
    if (patterns.length === 0) throw new EmptyParameterSubsetError(what, 'an empty list of paths or patterns was given');
    const matched = new Set<string>();
    for (const pattern of patterns) {
      const test = compilePattern(pattern);
      const hits = named.filter(([path]) => test(path));
      if (hits.length === 0) {
        throw new NotFoundError(`${what}: ${String(pattern)} matches no parameter`, closestNames(String(pattern), named.map(([p]) => p)));
      }
      for (const [path] of hits) matched.add(path);
    }
    chosen = named.filter(([path]) => matched.has(path));
  }
  return chosen;
}

function isTrainableSelection(selection: ParameterSelection): selection is { readonly trainable: true } {
  return typeof selection === 'object' && selection !== null && !(selection instanceof RegExp) && !Array.isArray(selection) && (selection as { trainable?: unknown }).trainable === true;
}
