/**
 * The method and task registries. A built-in method or task is one entry
 * registered exactly like a user's own: `registerMethod` / `registerTask`.
 * Unknown names are an UnknownNameError that lists what exists.
 */
import type { BenchMethod, BenchTask } from './types';

export class UnknownNameError extends Error {
  readonly code = 'UNKNOWN_NAME';
  constructor(
    readonly kind: 'method' | 'task' | 'suite',
    readonly unknown: readonly string[],
    readonly known: readonly string[],
  ) {
    super(`unknown ${kind}${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}; known ${kind}s: ${known.join(', ')}`);
    this.name = 'UnknownNameError';
  }
}

export class RegistryError extends Error {
  readonly code = 'REGISTRY';
  constructor(message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

const NAME = /^[a-z0-9][a-z0-9._+-]*$/;

class Registry<T extends { readonly name: string }> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly kind: 'method' | 'task') {}

  register(entry: T, options: { replace?: boolean } = {}): T {
    if (entry == null || typeof entry.name !== 'string' || !NAME.test(entry.name)) {
      throw new RegistryError(`register ${this.kind}: expected a name of lower-case letters, digits, '.', '_', '+' or '-', found ${JSON.stringify(entry?.name)}`);
    }
    if (this.entries.has(entry.name) && !options.replace) {
      throw new RegistryError(`a ${this.kind} named '${entry.name}' is already registered (pass { replace: true } to replace it)`);
    }
    this.entries.set(entry.name, entry);
    return entry;
  }

  unregister(name: string): boolean {
    return this.entries.delete(name);
  }

  get(name: string): T {
    const entry = this.entries.get(name);
    if (entry === undefined) throw new UnknownNameError(this.kind, [name], this.names());
    return entry;
  }

  /** The entries with these names, in the order given; every unknown one is reported at once. */
  select(names: readonly string[]): T[] {
    const unknown = names.filter((n) => !this.entries.has(n));
    if (unknown.length > 0) throw new UnknownNameError(this.kind, unknown, this.names());
    return names.map((n) => this.entries.get(n)!);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  all(): T[] {
    return [...this.entries.values()];
  }
}

/**
 * Kept on globalThis, so that every copy of this package in a process (the
 * CLI bundle, the ESM and CommonJS entries a user's module imports) shares
 * one registry: a method registered from a --require module is seen by the CLI.
 */
const slot = Symbol.for('@peftjs/bench:registries');
const holder = globalThis as unknown as { [slot]?: { methods: Registry<BenchMethod>; tasks: Registry<BenchTask> } };
holder[slot] ??= { methods: new Registry<BenchMethod>('method'), tasks: new Registry<BenchTask>('task') };
const { methods, tasks } = holder[slot];

/** Adds a method to the bench (`--methods` selects it by name). */
export function registerMethod(method: BenchMethod, options?: { replace?: boolean }): BenchMethod {
  const { kind, name } = (method ?? {}) as { kind?: unknown; name?: unknown };
  if (kind !== 'finetune' && kind !== 'meta') {
    throw new RegistryError(`register method '${String(name)}': expected kind 'finetune' or 'meta', found ${JSON.stringify(kind)}`);
  }
  return methods.register(method, options);
}

/** Adds a task to the bench (`--tasks` selects it by name). */
export function registerTask(task: BenchTask, options?: { replace?: boolean }): BenchTask {
  if (typeof task?.prepare !== 'function') throw new RegistryError(`register task '${task?.name}': expected a prepare(context) function`);
  return tasks.register(task, options);
}

export const unregisterMethod = (name: string): boolean => methods.unregister(name);
export const unregisterTask = (name: string): boolean => tasks.unregister(name);
export const getMethod = (name: string): BenchMethod => methods.get(name);
export const getTask = (name: string): BenchTask => tasks.get(name);
export const selectMethods = (names: readonly string[]): BenchMethod[] => methods.select(names);
export const selectTasks = (names: readonly string[]): BenchTask[] => tasks.select(names);
export const methodNames = (): string[] => methods.names();
export const taskNames = (): string[] => tasks.names();
export const allMethods = (): BenchMethod[] => methods.all();
export const allTasks = (): BenchTask[] => tasks.all();
