/**
 * The functional call: run a module with some of its parameters replaced by
 * given tensors. Gradients then flow to those tensors, including gradients of
 * gradients, because the replacements are ordinary tensors on the tfjs tape.
 *
 * While a call runs, `Parameter.read()` consults the active replacement map.
 * Calls nest: an inner call sees the outer replacements plus its own.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { globalState } from '../util/global-state';
import type { Parameter } from './parameter';

// One slot per process, shared by every loaded copy of core (see util/global-state.ts).
const state = globalState('parameter-overrides', () => ({ active: undefined as ReadonlyMap<Parameter, tf.Tensor> | undefined }));

export function currentOverride(parameter: Parameter): tf.Tensor | undefined {
  return state.active?.get(parameter);
}

/** Runs `fn` with `overrides` in force, restoring the previous state afterwards (also on throw). */
export function withParameterOverrides<T>(overrides: ReadonlyMap<Parameter, tf.Tensor>, fn: () => T): T {
  const previous = state.active;
  const merged = new Map(previous ?? []);
  for (const [parameter, value] of overrides) merged.set(parameter, value);
  state.active = merged;
  try {
    const result = fn();
    if (result instanceof Promise) {
      // Replacements are looked up synchronously; an async forward would read
      // them after they were removed. Refuse rather than compute wrong values.
      throw new TypeError('withParameterOverrides: the function must be synchronous');
    }
    return result;
  } finally {
    state.active = previous;
  }
}
