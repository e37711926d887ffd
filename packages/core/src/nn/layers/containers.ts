/**
 * Keyed containers, as PyTorch's ModuleDict and ParameterDict. PEFT layers keep
 * per-adapter state in them, keyed by adapter name, which gives peft's tensor
 * paths: `c_attn.lora_A.default.weight`, `k_proj.ia3_l.default`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { NotFoundError } from '../../errors';
import { brandClass } from '../../util/brand';
import { closestNames } from '../../util/closest';
import { Module, type AnyModule } from '../module';
import type { Parameter, ParameterOptions } from '../parameter';

/** Containers hold state; calling one is a mistake. */
abstract class Container extends Module<never, never> {
  forward(): never {
    throw new TypeError(`${this.constructor.name} holds modules or parameters and cannot be called`);
  }
}

export class ModuleDict<M extends AnyModule = AnyModule> extends Container {
  static {
    brandClass(this, 'core', 'ModuleDict');
  }

  set(key: string, module: M): M {
    this.delete(key);
    return this.addModule(key, module as unknown as Module<never, unknown>) as unknown as M;
  }

  get(key: string): M {
    const found = this.namedChildren().find(([name]) => name === key);
    if (!found) throw new NotFoundError(`no entry '${key}'`, closestNames(key, this.keys()));
    return found[1] as M;
  }

  has(key: string): boolean {
    return this.namedChildren().some(([name]) => name === key);
  }

  keys(): string[] {
    return this.namedChildren().map(([name]) => name);
  }

  /** Removes and returns the entry (not disposed), or undefined if absent. */
  delete(key: string): M | undefined {
    return this.removeModule(key) as M | undefined;
  }
}

export class ParameterDict extends Container {
  static {
    brandClass(this, 'core', 'ParameterDict');
  }

  /** Adds a parameter that takes ownership of `initial`. */
  create(key: string, initial: tf.Tensor, options?: ParameterOptions): Parameter {
    this.delete(key)?.dispose();
    return this.addParameter(key, initial, options);
  }

  get(key: string): Parameter {
    const found = this.namedOwnParameters().find(([name]) => name === key);
    if (!found) throw new NotFoundError(`no entry '${key}'`, closestNames(key, this.keys()));
    return found[1];
  }

  has(key: string): boolean {
    return this.namedOwnParameters().some(([name]) => name === key);
  }

  keys(): string[] {
    return this.namedOwnParameters().map(([name]) => name);
  }

  /** Removes and returns the entry (not disposed), or undefined if absent. */
  delete(key: string): Parameter | undefined {
    return this.removeParameter(key);
  }
}
