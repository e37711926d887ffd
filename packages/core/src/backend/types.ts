/**
 * The backend interface of @peftjs/core, as types only: what a caller may ask
 * for and what it is told back. The implementation lives in `use-backend.ts`.
 */
import type { MemoryInfo } from '@tensorflow/tfjs-core';

/**
 * Engines peftjs can start, fastest first. `auto` means "the fastest one that is
 * installed": tensorflow-gpu, tensorflow, wasm, then cpu.
 */
export type BackendName = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** A backend after `auto` has been resolved. */
export type ResolvedBackendName = Exclude<BackendName, 'auto'>;

export type BackendDevice = 'cpu' | 'gpu';

/** What `useBackend` chose, as reported by `backendInfo()`. */
export interface BackendInfo {
  /** The peftjs name of the active backend (never `auto`). */
  readonly name: ResolvedBackendName;
  /** The name tfjs knows it by (`tf.getBackend()`): `tensorflow`, `wasm` or `cpu`. */
  readonly tfjsBackend: string;
  readonly device: BackendDevice;
  /** Whether the backend runs SIMD code; `null` when it cannot be told (pure JS, libtensorflow). */
  readonly simd: boolean | null;
  /** Worker threads the backend computes with; 1 when single-threaded. */
  readonly threads: number;
  /** `tf.memory()` at the time of the call. */
  readonly memory: MemoryInfo;
}

/** Options of `useBackend`. Each applies only to the backend it names. */
export interface UseBackendOptions {
  /**
   * Where the wasm backend finds its `.wasm` binaries: a directory prefix or a
   * map per file name, passed to tfjs `setWasmPaths`. Needed in browsers when a
   * bundler moves the binaries; Node finds them inside the npm package.
   */
  readonly wasmPaths?: string | Readonly<Record<string, string>>;
  /**
   * Threads for the wasm backend in Node (default 1, the single-threaded SIMD
   * build tfjs uses in Node). From 2 to 8, peftjs starts tfjs's multi-threaded
   * build, which tfjs leaves off in Node; see `wasm-threads.ts` for how and why.
   * It must be chosen before wasm first starts in the process.
   */
  readonly wasmThreads?: number;
  /**
   * Register the gradients and the wasm fallback kernels training needs
   * (default true). Turn off only to measure tfjs as shipped.
   */
  readonly registerTrainingSupport?: boolean;
}
