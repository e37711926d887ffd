/**
 * Deep copy of a module tree with fresh variables holding copies of the values.
 * `modules_to_save` needs it: a base module (a classification head, say) is
 * copied per adapter and the copy trained while the original stays as it was.
 *
 * The copy shares the original's prototype; every field that referred to a
 * child module or parameter of the original refers to the copy's counterpart
 * (directly, or inside an array or Map). Anything else is shared by reference,
 * which suits configuration values; a module that keeps other mutable state
 * (tensors outside Parameters, say) is not deep-copied by this function.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AnyModule, Module } from './module';
import { Parameter } from './parameter';

export function cloneModule<M extends Module<never, unknown>>(module: M): M {
  const copies = new Map<unknown, unknown>();
  return copy(module as unknown as AnyModule, copies) as unknown as M;
}

function copy(value: unknown, copies: Map<unknown, unknown>): unknown {
  if (copies.has(value)) return copies.get(value);
  if (value instanceof Parameter) {
    const parameter = new Parameter(tf.clone(value.variable), { trainable: value.trainable });
    copies.set(value, parameter);
    return parameter;
  }
  if (isModule(value)) {
    const clone = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>;
    copies.set(value, clone);
    for (const [key, field] of Object.entries(value)) clone[key] = copyField(field, copies);
    return clone;
  }
  return value;
}

function copyField(field: unknown, copies: Map<unknown, unknown>): unknown {
  if (field instanceof Parameter || isModule(field)) return copy(field, copies);
  if (Array.isArray(field) && field.some((item) => item instanceof Parameter || isModule(item))) {
    return field.map((item) => copy(item, copies));
  }
  if (field instanceof Map) {
    // The tree's own registries (names -> parameters, names -> children) are Maps.
    return new Map([...field].map(([key, item]) => [key, item instanceof Parameter || isModule(item) ? copy(item, copies) : item]));
  }
  return field;
}

function isModule(value: unknown): value is AnyModule {
  return typeof value === 'object' && value !== null && typeof (value as AnyModule).namedParameters === 'function' && typeof (value as AnyModule).forward === 'function';
}
