/**
 * Method packages are loaded when a method first runs, not when the bench is
 * imported: a package that is missing or broken (a colleague is still writing
 * it) skips the methods that need it, with the reason, instead of stopping the run.
 */
export class MethodUnavailableError extends Error {
  readonly code = 'METHOD_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'MethodUnavailableError';
  }
}

const loaded = new Map<string, Promise<unknown>>();

/** Imports a package by name (once); a failure is a MethodUnavailableError that says why. */
export function loadPackage<T = Record<string, unknown>>(name: string): Promise<T> {
  let promise = loaded.get(name);
  if (promise === undefined) {
    // A variable specifier: bundlers leave it to the runtime, so a missing package fails here, not at startup.
    const specifier = name;
    promise = import(specifier).catch((error: unknown) => {
      throw new MethodUnavailableError(`${name} did not load: ${firstLine(error)}`);
    });
    loaded.set(name, promise);
  }
  return promise as Promise<T>;
}

export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].slice(0, 300);
}
