/**
 * What the wasm backend needs before its first start (binary paths, threads),
 * and what to tell the user when it cannot start.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as WasmPackage from '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as NodeOs from 'node:os';
import { InvalidArgumentError } from '../errors';
import { quoteValue } from '../util/quote';
import type { RuntimeEnvironment } from './environment';
import type { UseBackendOptions } from './types';
import { prepareWasmThreads, WasmThreadsUnavailableError } from './wasm-threads';

export const MAX_WASM_THREADS = 8; // the size of the worker pool tfjs's emscripten build preallocates

/** The binaries tfjs-backend-wasm fetches: which one depends on SIMD and thread support. */
export const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;

/**
 * Applies the wasm options that must precede its first start; returns the undo
 * for temporary changes. In Node the default is one thread per core: the
 * threaded build is set up where it can be, else (announced) one thread.
 */
export async function prepareWasm(
  wasm: typeof WasmPackage,
  options: UseBackendOptions,
  environment: RuntimeEnvironment,
  warn: (message: string) => void,
): Promise<() => void> {
  // Not tf.findBackend('wasm'): that starts the backend as a side effect, which would
  // race the flags and thread count set below.
  const running = tf.engine().registry.wasm as BackendWasm | undefined;
  if (running != null) {
    const threads = running.wasm.tfjs.getThreadsCount();
    if (options.wasmThreads != null && options.wasmThreads !== threads) {
      throw new InvalidArgumentError(
        `wasmThreads: wasm already runs with ${threads} thread(s) in this process and cannot be restarted with ${options.wasmThreads}; choose wasmThreads in the first useBackend call`,
      );
    }
    return () => undefined;
  }
  if (options.wasmPaths != null) wasm.setWasmPaths(options.wasmPaths as Parameters<typeof wasm.setWasmPaths>[0]);
  if (environment !== 'node') {
    if (options.wasmThreads != null) wasm.setThreadsCount(options.wasmThreads);
    return () => undefined;
  }
  const threads = options.wasmThreads ?? nodeCores();
  if (threads === 1) return () => undefined;
  try {
    return await prepareWasmThreads(wasm, threads);
  } catch (error) {
    if (!(error instanceof WasmThreadsUnavailableError) || options.wasmThreads != null) throw error;
    warn(`wasm runs single-threaded: ${error.message}`);
    return () => undefined;
  }
}

/** Cores for wasm by default in Node: all of them, up to the pool size. */
function nodeCores(): number {
  const os = (globalThis as { process?: NodeJS.Process }).process?.getBuiltinModule?.('os') as typeof NodeOs | undefined;
  return Math.max(1, Math.min(MAX_WASM_THREADS, os?.availableParallelism?.() ?? 1));
}

/**
 * Appended to a failed wasm start. tfjs reports a binary it could not fetch
 * only as `setBackend` returning false, so the likely fix is named whatever the cause.
 */
export function wasmStartHint(wasmPaths: UseBackendOptions['wasmPaths']): string {
  const where =
    wasmPaths == null
      ? 'wasmPaths is not set, so tfjs looked next to the script that loaded it'
      : `tfjs looked where wasmPaths says (${quoteValue(wasmPaths)})`;
  return (
    `; if its .wasm binaries could not be fetched (${where}): serve ${WASM_BINARIES.join(', ')} ` +
    `from node_modules/@tensorflow/tfjs-backend-wasm/dist/ and pass their URL prefix as useBackend('wasm', { wasmPaths: 'https://your.host/path/' })`
  );
}
