/**
 * What `adapt` returns: the model together with task-specific parameter
 * values. Calling it runs the model through a functional call, so the
 * meta-learned variables stay as they were and many adapted models can share
 * one base.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { functionalCall, withParameters, type Module } from '@peftjs/core';
import { disposeParameterMap } from './tensors';
import type { ParameterMap } from './types';

export class AdaptedModel<In = tf.Tensor, Out = tf.Tensor> {
  private disposed = false;

  constructor(
    readonly model: Module<In, Out>,
    /** The adapted values by path; owned by this object. */
    readonly parameters: ParameterMap,
  ) {}

  /** The model's output with the adapted values in place of the meta-learned ones. */
  call(input: In): Out {
    this.assertUsable();
    return functionalCall(this.model, this.parameters, input);
  }

  /** Runs any function (a loss, a generation loop) with the adapted values in force. */
  run<T>(fn: () => T): T {
    this.assertUsable();
    return withParameters(this.model as unknown as Module<never, unknown>, this.parameters, fn);
  }

  /** Copies the adapted values into a module with the same paths (the model itself, or a clone of it). */
  copyInto(target: Module<never, unknown>): void {
    this.assertUsable();
    for (const [path, value] of this.parameters) target.getParameter(path).assign(value);
  }

  dispose(): void {
    if (this.disposed) return;
    disposeParameterMap(this.parameters);
    this.disposed = true;
  }

  private assertUsable(): void {
    if (this.disposed) throw new TypeError('AdaptedModel: used after dispose()');
  }
}
