/**
 * `functionalCall(module, params, input)`: the public face of functional.ts.
 * Parameters are named by their dotted paths, as `namedParameters()` gives them.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '../errors';
import { withParameterOverrides } from './functional';
import type { Module } from './module';
import type { Parameter } from './parameter';

export type ParameterValues = Record<string, tf.Tensor> | ReadonlyMap<string, tf.Tensor>;

/**
 * Runs `module` on `input` with the named parameters replaced by the given
 * tensors. Parameters not named keep their variable values. The tensors must
 * have the parameters' shapes; gradients (of any order) reach them.
 */
export function functionalCall<In, Out>(module: Module<In, Out>, values: ParameterValues, input: In): Out {
  return withParameterOverrides(resolveParameterValues(module, values), () => module.call(input));
}

/** Runs any function (a loss, several modules) with the replacements in force. */
export function withParameters<T>(module: Module<never, unknown>, values: ParameterValues, fn: () => T): T {
  return withParameterOverrides(resolveParameterValues(module, values), fn);
}

function resolveParameterValues(module: Module<never, unknown>, values: ParameterValues): Map<Parameter, tf.Tensor> {
  const entries = values instanceof Map ? [...values] : Object.entries(values as Record<string, tf.Tensor>);
  const resolved = new Map<Parameter, tf.Tensor>();
  for (const [path, value] of entries) {
    const parameter = module.getParameter(path);
    if (parameter.shape.length !== value.shape.length || parameter.shape.some((d, i) => d !== value.shape[i])) {
      throw new ShapeMismatchError(`functionalCall: value for '${path}'`, parameter.shape, value.shape);
    }
    resolved.set(parameter, value);
  }
  return resolved;
}
