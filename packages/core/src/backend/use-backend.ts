/**
 * Choosing and starting the tfjs engine: `useBackend(name)` and `backendInfo()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as WasmPackage from '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as NodeOs from 'node:os';
import { InvalidArgumentError } from '../errors';
import { BACKEND_CANDIDATES, BACKEND_NAMES, type BackendCandidate } from './candidates';
import { BackendInitError, BackendNotInstalledError, NoBackendError, UnknownBackendError, UnsupportedBackendError } from './errors';
import { registerGradients } from './gradients';
import { isMissingPackageError, isPackageInstalled } from './node-modules';
import type { BackendInfo, BackendName, UseBackendOptions } from './types';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { prepareWasmThreads } from './wasm-threads';

/** The backend `useBackend` last started, to tell tensorflow-gpu from tensorflow (both are 'tensorflow' to tfjs). */
let started: BackendCandidate | null = null;

const MAX_WASM_THREADS = 8; // the size of the worker pool tfjs's emscripten build preallocates

/**
 * Starts a tfjs backend and makes it the active one. `auto` (the default) takes
 * the fastest installed: tensorflow-gpu, tensorflow, wasm, then cpu, skipping
 * one that is installed but fails to start. Also registers the gradients, and
 * on wasm the kernels, that training needs. Safe to call again, also to switch.
 */
export async function useBackend(name: BackendName = 'auto', options: UseBackendOptions = {}): Promise<BackendInfo> {
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) throw new UnknownBackendError(String(name), BACKEND_NAMES);
  validateOptions(options);
  if (name !== 'auto') return start(BACKEND_CANDIDATES.find((c) => c.name === name) as BackendCandidate, options);

  const failures: string[] = [];
  for (const candidate of BACKEND_CANDIDATES) {
    if (candidate.optional && !(await isPackageInstalled(candidate.packageName))) continue;
    try {
      return await start(candidate, options);
    } catch (error) {
      if (!(error instanceof BackendInitError || error instanceof BackendNotInstalledError)) throw error;
      failures.push(error.message);
    }
  }
  throw new NoBackendError(`no backend could be started: ${failures.join('; ')}`, failures);
}

/** What is running now: name, device, SIMD, threads and `tf.memory()`. */
export function backendInfo(): BackendInfo {
  const tfjsBackend = tf.getBackend() as string | null;
  if (tfjsBackend == null) throw new NoBackendError('no backend is running yet: call useBackend() first');
  const candidate =
    started?.tfjsBackend === tfjsBackend ? started : BACKEND_CANDIDATES.find((c) => c.tfjsBackend === tfjsBackend && c.device === 'cpu');
  if (candidate == null) {
    throw new UnsupportedBackendError(tfjsBackend, [...new Set(BACKEND_CANDIDATES.map((c) => c.tfjsBackend))]);
  }
  const wasm = candidate.name === 'wasm' ? (tf.backend() as BackendWasm).wasm : null;
  return {
    name: candidate.name,
    tfjsBackend,
    device: candidate.device,
    simd: wasm != null ? wasmSimd(wasm) : null,
    threads: wasm != null ? wasm.tfjs.getThreadsCount() : candidate.name === 'cpu' ? 1 : machineThreads(),
    memory: tf.memory(),
  };
}

async function start(candidate: BackendCandidate, options: UseBackendOptions): Promise<BackendInfo> {
  let loaded: unknown;
  try {
    loaded = await candidate.load();
  } catch (error) {
    if (isMissingPackageError(error, candidate.packageName)) throw new BackendNotInstalledError(candidate.name, candidate.packageName);
    throw new BackendInitError(candidate.name, describe(error));
  }
  const restore = candidate.name === 'wasm' ? await prepareWasm(loaded as typeof WasmPackage, options) : () => undefined;
  let ok: boolean;
  try {
    ok = await tf.setBackend(candidate.tfjsBackend);
  } catch (error) {
    throw new BackendInitError(candidate.name, describe(error));
  } finally {
    restore();
  }
  // tfjs reports a failed start by returning false (and a console warning), not by throwing.
  if (!ok) throw new BackendInitError(candidate.name, `tf.setBackend('${candidate.tfjsBackend}') returned false; see the warning tfjs printed`);
  if (options.registerTrainingSupport !== false) {
    // After loading: @tensorflow/tfjs-node brings @tensorflow/tfjs, which registers
    // tfjs-core's gradients as it loads; ours must replace those, not the reverse.
    registerGradients();
    if (candidate.name === 'wasm') registerWasmTrainingKernels();
  }
  started = candidate;
  return backendInfo();
}

/** Applies the wasm options that must precede its first start; returns the undo for temporary changes. */
async function prepareWasm(wasm: typeof WasmPackage, options: UseBackendOptions): Promise<() => void> {
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
  const threads = options.wasmThreads ?? 1;
  if (threads > 1 && isNode()) return prepareWasmThreads(wasm, threads);
  if (options.wasmThreads != null) wasm.setThreadsCount(threads);
  return () => undefined;
}

function validateOptions(options: UseBackendOptions): void {
  const threads = options.wasmThreads;
  if (threads != null && !(Number.isInteger(threads) && threads >= 1 && threads <= MAX_WASM_THREADS)) {
    throw new InvalidArgumentError(`wasmThreads: expected an integer from 1 to ${MAX_WASM_THREADS}, found ${String(threads)}`);
  }
}

/** The multi-threaded build is always the SIMD one; otherwise tfjs's own probe decided. */
function wasmSimd(wasm: BackendWasm['wasm']): boolean | null {
  if ('PThread' in wasm) return true;
  try {
    return tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  } catch {
    return null; // the async flag was never evaluated (wasm not started through tfjs's init)
  }
}

/** libtensorflow sizes its thread pool to the machine. */
function machineThreads(): number {
  const os = (globalThis as { process?: NodeJS.Process }).process?.getBuiltinModule?.('os') as typeof NodeOs | undefined;
  return os?.availableParallelism?.() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

function isNode(): boolean {
  return (globalThis as { process?: NodeJS.Process }).process?.versions?.node != null;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
