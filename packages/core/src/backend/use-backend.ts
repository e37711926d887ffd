/**
 * Choosing and starting the tfjs engine: `useBackend(name)` and `backendInfo()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as WasmPackage from '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as NodeOs from 'node:os';
import { InvalidArgumentError } from '../errors';
import { warn } from '../util/log';
import { AUTO_ORDER, BACKEND_CANDIDATES, type BackendCandidate } from './candidates';
import { detectEnvironment, type RuntimeEnvironment } from './environment';
import { BackendInitError, BackendNotInstalledError, NoBackendError, UnknownBackendError, UnsupportedBackendError } from './errors';
import { registerGradients } from './gradients';
import { isMissingPackageError, isPackageInstalled } from './node-modules';
import type { BackendInfo, BackendName, UseBackendOptions } from './types';
import { MAX_WASM_THREADS, prepareWasm, wasmStartHint } from './wasm-start';
import { registerWasmTrainingKernels } from './wasm-kernels';

/** What backend selection depends on, injectable so tests can play any machine. */
export interface BackendSelection {
  readonly candidates: readonly BackendCandidate[];
  readonly environment: RuntimeEnvironment;
  readonly isInstalled: (packageName: string) => Promise<boolean>;
  /** Whether tfjs has a factory registered under this name. */
  readonly isRegistered: (tfjsBackend: string) => boolean;
  readonly warn: (message: string) => void;
}

/** The backend `useBackend` last started, to tell tensorflow-gpu from tensorflow (both are 'tensorflow' to tfjs). */
let started: BackendCandidate | null = null;

/** A fallback is the same on every call of a process: say it once. */
const announced = new Set<string>();
function warnOnce(message: string): void {
  if (announced.has(message)) return;
  announced.add(message);
  warn(message);
}

export function defaultSelection(): BackendSelection {
  return {
    candidates: BACKEND_CANDIDATES,
    environment: detectEnvironment(),
    isInstalled: isPackageInstalled,
    isRegistered: (tfjsBackend) => {
      try {
        return tf.findBackendFactory(tfjsBackend) != null;
      } catch {
        return false;
      }
    },
    warn: warnOnce,
  };
}

/**
 * Starts a tfjs backend and makes it the active one. `auto` (the default) takes
 * the fastest present: in Node tensorflow-gpu, tensorflow, wasm, then cpu; in a
 * browser webgpu, webgl, wasm, then cpu. Falling back past one that is absent or
 * fails to start is announced through `warn`. Also registers the gradients, and
 * on wasm the kernels, that training needs. Safe to call again, also to switch.
 */
export function useBackend(name: BackendName = 'auto', options: UseBackendOptions = {}): Promise<BackendInfo> {
  return useBackendWith(defaultSelection(), name, options);
}

/** `useBackend` on an explicit selection context (tests). */
export async function useBackendWith(selection: BackendSelection, name: BackendName, options: UseBackendOptions = {}): Promise<BackendInfo> {
  const names = ['auto', ...selection.candidates.map((c) => c.name)];
  if (!names.includes(name)) throw new UnknownBackendError(String(name), names);
  validateOptions(options);
  if (name !== 'auto') return start(selection.candidates.find((c) => c.name === name) as BackendCandidate, options, selection);

  const order = AUTO_ORDER[selection.environment].flatMap((n) => selection.candidates.filter((c) => c.name === n));
  const skipped: string[] = [];
  const failures: string[] = [];
  for (const candidate of order) {
    if (!(await isPresent(candidate, selection))) {
      skipped.push(`${candidate.name} is not installed (${installAdvice(candidate, selection.environment)})`);
      continue;
    }
    try {
      const info = await start(candidate, options, selection);
      if (skipped.length > 0) selection.warn(`useBackend('auto') fell back to '${candidate.name}': ${skipped.join('; ')}`);
      return info;
    } catch (error) {
      if (!(error instanceof BackendInitError || error instanceof BackendNotInstalledError)) throw error;
      failures.push(error.message);
      skipped.push(error.message);
    }
  }
  throw new NoBackendError(`no backend could be started: ${skipped.join('; ')}`, failures);
}

/** What is running now: name, device, SIMD, threads and `tf.memory()`. */
export function backendInfo(): BackendInfo {
  const tfjsBackend = tf.getBackend() as string | null;
  if (tfjsBackend == null) throw new NoBackendError('no backend is running yet: call useBackend() first');
  const matching = BACKEND_CANDIDATES.filter((c) => c.tfjsBackend === tfjsBackend);
  // A hand-made tf.setBackend('tensorflow') is taken for the CPU build: nothing tells them apart.
  const candidate = started?.tfjsBackend === tfjsBackend ? started : (matching.find((c) => c.device === 'cpu') ?? matching[0]);
  if (candidate == null) {
    throw new UnsupportedBackendError(tfjsBackend, [...new Set(BACKEND_CANDIDATES.map((c) => c.tfjsBackend))]);
  }
  const wasm = candidate.name === 'wasm' ? (tf.backend() as BackendWasm).wasm : null;
  return {
    name: candidate.name,
    tfjsBackend,
    device: candidate.device,
    simd: wasm != null ? wasmSimd(wasm) : null,
    threads: wasm != null ? wasm.tfjs.getThreadsCount() : candidate.tfjsBackend === 'tensorflow' ? machineThreads() : 1,
    memory: tf.memory(),
  };
}

async function isPresent(candidate: BackendCandidate, selection: BackendSelection): Promise<boolean> {
  if (!candidate.optional) return true;
  if (candidate.foundWhenRegistered && selection.isRegistered(candidate.tfjsBackend)) return true;
  return selection.isInstalled(candidate.packageName);
}

function installAdvice(candidate: BackendCandidate, environment: RuntimeEnvironment): string {
  if (environment === 'browser' && candidate.foundWhenRegistered) {
    return `run \`npm install ${candidate.packageName}\` and import '${candidate.packageName}' in your app so the bundle registers it`;
  }
  return `run \`npm install ${candidate.packageName}\``;
}

async function start(candidate: BackendCandidate, options: UseBackendOptions, selection: BackendSelection): Promise<BackendInfo> {
  const fail = (reason: string) => new BackendInitError(candidate.name, candidate.name === 'wasm' ? reason + wasmStartHint(options.wasmPaths) : reason);
  let loaded: unknown;
  if (!(candidate.foundWhenRegistered && selection.isRegistered(candidate.tfjsBackend))) {
    try {
      loaded = await candidate.load();
    } catch (error) {
      if (isMissingPackageError(error, candidate.packageName) || isUnresolvedBareSpecifier(error, candidate.packageName)) {
        throw new BackendNotInstalledError(candidate.name, candidate.packageName, installAdvice(candidate, selection.environment));
      }
      throw fail(describe(error));
    }
  }
  // tfjs-backend-webgl registers nothing outside a browser, tfjs-backend-webgpu nothing without navigator.gpu.
  if (candidate.foundWhenRegistered && !selection.isRegistered(candidate.tfjsBackend)) {
    throw fail(`${candidate.packageName} loaded but registered no '${candidate.tfjsBackend}' backend with tfjs: it needs ${candidate.name === 'webgpu' ? 'a browser with WebGPU (navigator.gpu)' : 'a browser with WebGL'}`);
  }
  const restore = candidate.name === 'wasm' ? await prepareWasm(loaded as typeof WasmPackage, options, selection.environment, selection.warn) : () => undefined;
  let ok: boolean;
  try {
    ok = await tf.setBackend(candidate.tfjsBackend);
  } catch (error) {
    throw fail(describe(error));
  } finally {
    restore();
  }
  // tfjs reports a failed start by returning false (and a console warning), not by throwing.
  if (!ok) throw fail(`tf.setBackend('${candidate.tfjsBackend}') returned false; see the warning tfjs printed`);
  if (options.registerTrainingSupport !== false) {
    // After loading: @tensorflow/tfjs-node brings @tensorflow/tfjs, which registers
    // tfjs-core's gradients as it loads; ours must replace those, not the reverse.
    registerGradients();
    if (candidate.name === 'wasm') registerWasmTrainingKernels();
  }
  started = candidate;
  return backendInfo();
}

/** A browser's dynamic import of a bare name it has no import map entry for. */
function isUnresolvedBareSpecifier(error: unknown, packageName: string): boolean {
  const message = String((error as { message?: unknown } | null)?.message ?? error);
  return error instanceof TypeError && message.includes(packageName) && /resolv|specifier/i.test(message);
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
