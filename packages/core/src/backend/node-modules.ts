/**
 * Finding and loading optional npm packages from code that tsup ships twice,
 * as ESM and as CJS, and that may also run in a browser bundle.
 *
 * - No static `import 'node:...'`: browser bundlers would choke on it. Node
 *   built-ins come from `process.getBuiltinModule` (Node >= 20.16) or a dynamic
 *   import whose specifier is a variable, which bundlers leave alone.
 * - No `createRequire(import.meta.url)`: in the CJS build esbuild empties
 *   `import.meta` (with a build warning) so it would throw there.
 */
import type * as NodeModule from 'node:module';

type Resolve = (id: string) => string;

/** Imports a module by a name the bundler must not try to resolve at build time. */
export function importByName<T = unknown>(specifier: string): Promise<T> {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ specifier) as Promise<T>;
}

/** A Node built-in module, or null outside Node. */
export async function nodeBuiltin<T>(name: string): Promise<T | null> {
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  if (proc?.versions?.node == null) return null;
  const builtin = proc.getBuiltinModule?.(name) as T | undefined;
  if (builtin != null) return builtin;
  try {
    return await importByName<T>(`node:${name}`);
  } catch {
    return null;
  }
}

/**
 * Resolvers to probe with, best first. In the CJS build (and under jest) the
 * module's own `require` resolves from this file, exactly as the later import
 * will. The ESM build has no `require` in scope, so it anchors at the working
 * directory and at the main script, where an app's node_modules usually are.
 */
async function resolvers(): Promise<Resolve[]> {
  if (typeof require === 'function' && typeof require.resolve === 'function') return [require.resolve];
  const nodeModule = await nodeBuiltin<typeof NodeModule>('module');
  if (nodeModule == null) return [];
  const anchors = [`${process.cwd()}/`, process.argv[1]].filter((a): a is string => typeof a === 'string' && a.length > 0);
  return anchors.map((anchor) => nodeModule.createRequire(anchor).resolve);
}

/** The file `specifier` resolves to, or null when it cannot be found. */
export async function resolveModulePath(specifier: string): Promise<string | null> {
  for (const resolve of await resolvers()) {
    try {
      return resolve(specifier);
    } catch {
      // not resolvable from this anchor; try the next
    }
  }
  return null;
}

/** Whether `packageName` can be resolved, without loading it. */
export async function isPackageInstalled(packageName: string): Promise<boolean> {
  return (await resolveModulePath(packageName)) != null;
}

/**
 * True when `error` says that `packageName` itself is missing, as opposed to the
 * package being present but failing inside (a missing native library, say).
 */
export function isMissingPackageError(error: unknown, packageName: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const notFound = code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(String(message));
  return notFound && String(message).includes(`'${packageName}'`);
}
