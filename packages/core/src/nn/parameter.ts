/**
 * A Parameter is a tf.Variable plus the `trainable` flag that freezing sets.
 *
 * Modules never use `parameter.variable` directly in forward passes: they call
 * `parameter.read()`, which returns a replacement tensor while a functional call
 * (see functional.ts) is running. That one indirection is what lets MAML run a
 * model with other parameter values and differentiate through them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '../errors';
import { brandClass } from '../util/brand';
import { currentOverride } from './functional';

export interface ParameterOptions {
  trainable?: boolean;
}

export class Parameter {
  static {
    brandClass(this, 'core', 'Parameter');
  }

  readonly variable: tf.Variable;

  /**
   * Takes ownership of `initial`: it becomes the variable's value and is disposed
   * with the parameter. (The tfjs variable gets tfjs' own unique name: tfjs
   * requires globally unique variable names, while ours are paths in a tree.)
   */
  constructor(initial: tf.Tensor, options: ParameterOptions = {}) {
    this.variable = tf.variable(initial, options.trainable ?? true);
    initial.dispose();
  }

  /** Whether optimisers update this parameter. Mirrors `variable.trainable`, which is what tfjs optimisers and `tf.variableGrads` read. */
  get trainable(): boolean {
    return this.variable.trainable;
  }

  set trainable(value: boolean) {
    this.variable.trainable = value;
  }

  get shape(): number[] {
    return this.variable.shape;
  }

  get dtype(): tf.DataType {
    return this.variable.dtype;
  }

  get size(): number {
    return this.variable.size;
  }

  /** The value to compute with: the functional-call replacement if one is active, else the variable. */
  read(): tf.Tensor {
    return currentOverride(this) ?? this.variable;
  }

  /** Overwrites the value in place (same shape required). The argument is not disposed. */
  assign(value: tf.Tensor): void {
    if (!tf.util.arraysEqual(value.shape, this.shape)) {
      throw new ShapeMismatchError('Parameter.assign', this.shape, value.shape);
    }
    if (value.dtype === this.dtype) {
      this.variable.assign(value);
      return;
    }
    const cast = tf.cast(value, this.dtype);
    this.variable.assign(cast);
    cast.dispose();
  }

  get isDisposed(): boolean {
    return this.variable.isDisposed;
  }

  dispose(): void {
    if (!this.variable.isDisposed) this.variable.dispose();
  }
}
