/**
 * The backend interface of @peftjs/core, as types only: what a caller may ask
 * for and what it is told back. The implementation lives in `use-backend.ts`.
 */
import type { MemoryInfo } from '@tensorflow/tfjs-core';

/**
 * Engines peftjs can start. `auto` means "the fastest one that is installed":
 * in Node tensorflow-gpu, tensorflow, wasm, then cpu; in a browser webgpu,
 * webgl, wasm, then cpu.
 */
export type BackendName = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** A backend after `auto` has been resolved. */
export type ResolvedBackendName = Exclude<BackendName, 'auto'>;

export type BackendDevice = 'cpu' | 'gpu';

/** What `useBackend` chose, as reported by `backendInfo()`. */
export interface BackendInfo {
  /** The peftjs name of the active backend (never `auto`). */
  readonly name: ResolvedBackendName;
  /** The name tfjs knows it by (`tf.getBackend()`): `tensorflow`, `webgpu`, `webgl`, `wasm` or `cpu`. */
  readonly tfjsBackend: string;
  readonly device: BackendDevice;
  /** Whether the backend runs SIMD code; `null` when it cannot be told (pure JS, libtensorflow). */
  readonly simd: boolean | null;
  /** Worker threads the backend computes with; 1 when single-threaded (and on webgl/webgpu, whose work is on the GPU). */
  readonly threads: number;
  /** `tf.memory()` at the time of the call. */
  readonly memory: MemoryInfo;
}

/** Options of `useBackend`. Each applies only to the backend it names. */
export interface UseBackendOptions {
  /**
   * Where the wasm backend finds its `.wasm` binaries: a directory prefix or a
   * map per file name, passed to tfjs `setWasmPaths`. Needed in browsers when a
   * bundler moves the binaries; Node finds them inside the npm package. The
   * files to serve: tfjs-backend-wasm.wasm, tfjs-backend-wasm-simd.wasm and
   * tfjs-backend-wasm-threaded-simd.wasm (from the package's dist/ folder).
   */
  readonly wasmPaths?: string | Readonly<Record<string, string>>;
  /**
   * Threads for the wasm backend in Node: from 1 to 8; by default the
   * machine's cores (`os.availableParallelism()`, at most 8). From 2, peftjs
   * starts tfjs's multi-threaded build, which tfjs leaves off in Node; see
   * `wasm-threads.ts` for how and why (1 is tfjs's single-threaded SIMD build).
   * It must be chosen before wasm first starts in the process. In browsers it
   * goes to tfjs' `setThreadsCount`; tfjs uses threads there only when the page
   * is cross-origin isolated.
   */
  readonly wasmThreads?: number;
  /**
   * Register the gradients and the wasm fallback kernels training needs
   * (default true). Turn off only to measure tfjs as shipped.
   */
  readonly registerTrainingSupport?: boolean;
}
