/**
 * Process-wide state shared by every copy of @peftjs/core that gets loaded.
 * Node can load a package twice, once as ESM and once as CommonJS (the "dual
 * package hazard"), and method packages may resolve either. Keeping the method
 * registry and the functional-call state on globalThis under a Symbol.for key,
 * as tfjs does with its engine, means both copies see one registry.
 */
export function globalState<T>(key: string, create: () => T): T {
  const symbol = Symbol.for(`@peftjs/core:${key}`);
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  holder[symbol] ??= create();
  return holder[symbol] as T;
}
