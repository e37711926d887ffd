/**
 * The module tree: named parameters and named child modules, addressed by
 * dotted paths that follow Hugging Face naming where a model mirrors a Hugging
 * Face architecture (`transformer.h.0.attn.c_attn.weight`). PEFT methods are
 * surgery on this tree: find modules by path, wrap or replace them, add
 * parameters, freeze the rest.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, NotFoundError, ShapeMismatchError, StateDictMismatchError } from '../errors';
import { brandClass } from '../util/brand';
import { closestNames } from '../util/closest';
import { Parameter, type ParameterOptions } from './parameter';

/** A module of any input and output type, for code that walks trees. */
export type AnyModule = Module<unknown, unknown>;

const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

export abstract class Module<In = tf.Tensor, Out = tf.Tensor> {
  static {
    brandClass(this, 'core', 'Module');
  }

  private readonly ownParameters = new Map<string, Parameter>();
  private readonly ownChildren = new Map<string, AnyModule>();
  /** Dropout and similar layers act only while training. Set with `train()` / `eval()`. */
  training = true;

  /**
   * Feature sizes of the last input and output axis, where a module has fixed
   * ones (Linear, Embedding, ...). `setSubmodule` checks that a replacement
   * keeps them, so a wrong-sized layer fails at surgery time, not mid-forward.
   */
  get inFeatures(): number | undefined {
    return undefined;
  }

  get outFeatures(): number | undefined {
    return undefined;
  }

  abstract forward(input: In): Out;

  /** Runs the module. Prefer this over `forward` in calling code: it is the single entry point hooks may attach to. */
  call(input: In): Out {
    return this.forward(input);
  }

  // ---- building ---------------------------------------------------------

  /** Registers a new parameter that takes ownership of `initial`. */
  protected addParameter(name: string, initial: tf.Tensor, options?: ParameterOptions): Parameter {
    this.checkNewName(name);
    const parameter = new Parameter(initial, options);
    this.ownParameters.set(name, parameter);
    return parameter;
  }

  /** Registers an existing parameter (weight tying: the same Parameter in two places). */
  protected shareParameter(name: string, parameter: Parameter): Parameter {
    this.checkNewName(name);
    this.ownParameters.set(name, parameter);
    return parameter;
  }

  /**
   * Registers a child module under `name`. Returns it, for
   * `this.fc = this.addModule('fc', new Linear(...))`: when a PEFT method
   * replaces the child (`setSubmodule`), fields of this module that hold it
   * are pointed at the replacement, so `this.fc.call(x)` runs the adapter.
   * A child captured elsewhere (a closure, a `#private` field, another
   * module's field) keeps the old one; read it back with `getSubmodule` there.
   */
  protected addModule<M extends Module<never, unknown>>(name: string, module: M): M {
    this.checkNewName(name);
    this.ownChildren.set(name, module as unknown as AnyModule);
    return module;
  }

  /** Unregisters a child module and returns it (not disposed). */
  protected removeModule(name: string): AnyModule | undefined {
    const child = this.ownChildren.get(name);
    this.ownChildren.delete(name);
    return child;
  }

  /** Unregisters one of this module's own parameters and returns it (not disposed). */
  protected removeParameter(name: string): Parameter | undefined {
    const parameter = this.ownParameters.get(name);
    this.ownParameters.delete(name);
    return parameter;
  }

  private checkNewName(name: string): void {
    if (!NAME_PATTERN.test(name)) {
      throw new InvalidArgumentError(`module or parameter name: expected letters, digits, '_' or '-', found '${name}'`);
    }
    if (this.ownParameters.has(name) || this.ownChildren.has(name)) {
      throw new InvalidArgumentError(`name '${name}' is already used in ${this.constructor.name}`);
    }
  }

  // ---- walking ----------------------------------------------------------

  /** Direct children in registration order. */
  namedChildren(): Array<[string, AnyModule]> {
    return [...this.ownChildren];
  }

  /** This module's own parameters, without those of children. */
  namedOwnParameters(): Array<[string, Parameter]> {
    return [...this.ownParameters];
  }

  /**
   * Every module in the tree with its dotted path, this one first as ''.
   * A module reachable twice is listed once, at its first path.
   */
  namedModules(prefix = ''): Array<[string, AnyModule]> {
    const seen = new Set<AnyModule>();
    const out: Array<[string, AnyModule]> = [];
    const visit = (module: AnyModule, path: string) => {
      if (seen.has(module)) return;
      seen.add(module);
      out.push([path, module]);
      for (const [name, child] of module.ownChildren) visit(child, path === '' ? name : `${path}.${name}`);
    };
    visit(this as unknown as AnyModule, prefix);
    return out;
  }

  /**
   * Every parameter in the tree with its dotted path. A tied parameter (the
   * same object registered twice) is listed once, at its first path, so counts
   * and optimisers see it once.
   */
  namedParameters(): Array<[string, Parameter]> {
    const seen = new Set<Parameter>();
    const out: Array<[string, Parameter]> = [];
    for (const [modulePath, module] of this.namedModules()) {
      for (const [name, parameter] of module.ownParameters) {
        if (seen.has(parameter)) continue;
        seen.add(parameter);
        out.push([modulePath === '' ? name : `${modulePath}.${name}`, parameter]);
      }
    }
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** The module at a dotted path ('' is this module). */
  getSubmodule(path: string): AnyModule {
    let module = this as unknown as AnyModule;
    if (path === '') return module;
    for (const name of path.split('.')) {
      const child = module.ownChildren.get(name);
      if (child === undefined) {
        throw new NotFoundError(
          `no module at path '${path}' (no child '${name}' in ${module.constructor.name})`,
          closestNames(path, this.namedModules().map(([p]) => p).filter((p) => p !== '')),
        );
      }
      module = child;
    }
    return module;
  }

  /** The parameter at a dotted path such as `encoder.0.weight`. */
  getParameter(path: string): Parameter {
    const dot = path.lastIndexOf('.');
    const owner = dot < 0 ? (this as unknown as AnyModule) : this.tryGetSubmodule(path.slice(0, dot));
    const parameter = owner?.ownParameters.get(path.slice(dot + 1));
    if (parameter === undefined) {
      throw new NotFoundError(`no parameter at path '${path}'`, closestNames(path, this.namedParameters().map(([p]) => p)));
    }
    return parameter;
  }

  private tryGetSubmodule(path: string): AnyModule | undefined {
    try {
      return this.getSubmodule(path);
    } catch {
      return undefined;
    }
  }

  /**
   * Replaces the module at `path` and returns the one it replaced (not disposed:
   * wrappers such as LoRA layers keep the original inside them). The replacement
   * must keep the original's `inFeatures` / `outFeatures` where both declare them.
   */
  setSubmodule(path: string, replacement: Module<never, unknown>): AnyModule {
    if (path === '') throw new InvalidArgumentError(`setSubmodule: expected a non-empty path, found ''`);
    const dot = path.lastIndexOf('.');
    const parent = dot < 0 ? (this as unknown as AnyModule) : this.getSubmodule(path.slice(0, dot));
    const name = path.slice(dot + 1);
    const original = parent.ownChildren.get(name);
    if (original === undefined) {
      throw new NotFoundError(
        `setSubmodule: no module at path '${path}'`,
        closestNames(path, this.namedModules().map(([p]) => p).filter((p) => p !== '')),
      );
    }
    const next = replacement as unknown as AnyModule;
    for (const side of ['inFeatures', 'outFeatures'] as const) {
      const expected = original[side];
      const found = next[side];
      if (expected !== undefined && found !== undefined && expected !== found) {
        throw new ShapeMismatchError(`setSubmodule('${path}') ${side}`, [expected], [found]);
      }
    }
    parent.ownChildren.set(name, next);
    parent.repointFields(name, original, next);
    return original;
  }

  /**
   * Points this module's own fields that hold `original` at `replacement`:
   * a field, an element of an array field, a value of a Map field (what
   * cloneModule also remaps). Fields that cannot be written are left.
   * If `original` is still registered here under another name, which field
   * meant which name cannot be told, and only a field called `name` moves.
   */
  private repointFields(name: string, original: AnyModule, replacement: AnyModule): void {
    const stillChild = [...this.ownChildren.values()].includes(original);
    for (const key of Object.keys(this)) {
      if (stillChild && key !== name) continue;
      const descriptor = Object.getOwnPropertyDescriptor(this, key);
      const value: unknown = descriptor?.value;
      if (value === original) {
        if (descriptor?.writable) (this as Record<string, unknown>)[key] = replacement;
      } else if (stillChild || Object.isFrozen(value)) {
        continue;
      } else if (Array.isArray(value)) {
        value.forEach((item, i) => {
          if (item === original) value[i] = replacement;
        });
      } else if (value instanceof Map && value !== this.ownChildren) {
        for (const [k, item] of value) if (item === original) value.set(k, replacement);
      }
    }
  }

  // ---- state ------------------------------------------------------------

  /** Sets training mode on the whole tree (dropout active). */
  train(mode = true): this {
    for (const [, module] of this.namedModules()) module.training = mode;
    return this;
  }

  /** Sets inference mode on the whole tree (dropout off). */
  eval(): this {
    return this.train(false);
  }

  /** Current values by path. The tensors are the live variables: do not dispose them. */
  stateDict(): Record<string, tf.Tensor> {
    return Object.fromEntries(this.namedParameters().map(([path, p]) => [path, p.variable]));
  }

  /**
   * Copies values into the parameters by path. Every tensor must fit its
   * parameter's shape; with `strict` (the default) the names must match exactly.
   * All checks run before anything is written, so a bad dict changes nothing.
   */
  loadStateDict(values: Record<string, tf.Tensor>, options: { strict?: boolean } = {}): { missing: string[]; unexpected: string[] } {
    const strict = options.strict ?? true;
    const parameters = new Map(this.namedParameters());
    const missing = [...parameters.keys()].filter((path) => !Object.hasOwn(values, path));
    const unexpected = Object.keys(values).filter((path) => !parameters.has(path));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      throw new StateDictMismatchError(missing, unexpected);
    }
    for (const [path, value] of Object.entries(values)) {
      const parameter = parameters.get(path);
      if (parameter && !sameShape(parameter.shape, value.shape)) {
        throw new ShapeMismatchError(`loadStateDict '${path}'`, parameter.shape, value.shape);
      }
    }
    for (const [path, value] of Object.entries(values)) parameters.get(path)?.assign(value);
    return { missing, unexpected };
  }

  /** Frees every variable in the tree. The module must not be used afterwards. */
  dispose(): void {
    for (const parameter of this.parameters()) parameter.dispose();
  }

  /** A readable outline of the tree, one module per line with its parameter shapes. */
  describe(): string {
    const lines: string[] = [];
    for (const [path, module] of this.namedModules()) {
      const depth = path === '' ? 0 : path.split('.').length;
      const params = [...module.ownParameters].map(([n, p]) => `${n}[${p.shape.join(',')}]${p.trainable ? '' : ' frozen'}`);
      const label = path === '' ? module.constructor.name : `${path.slice(path.lastIndexOf('.') + 1)}: ${module.constructor.name}`;
      lines.push(`${'  '.repeat(depth)}${label}${params.length > 0 ? ` (${params.join(', ')})` : ''}`);
    }
    return lines.join('\n');
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
