/**
 * Where peftjs runs, which decides the order `useBackend('auto')` tries backends in.
 */

export type RuntimeEnvironment = 'node' | 'browser';

/** The globals the decision reads; tests pass their own. */
export interface EnvironmentGlobals {
  readonly process?: { readonly versions?: { readonly node?: unknown } };
}

/**
 * Node (and Bun, Deno's Node mode, Electron's main process) when
 * `process.versions.node` is a string; anything else (a page, a web worker,
 * a service worker) counts as a browser. Not `typeof window`: web workers have
 * none, yet WebGPU and WebGL (OffscreenCanvas) work there. Bundler polyfills of
 * `process` set no `versions.node`, so a bundle stays a browser.
 */
export function detectEnvironment(globals: EnvironmentGlobals = globalThis as EnvironmentGlobals): RuntimeEnvironment {
  return typeof globals.process?.versions?.node === 'string' ? 'node' : 'browser';
}
