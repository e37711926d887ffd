/**
 * Multi-threaded wasm in Node: opt-in (`useBackend('wasm', { wasmThreads: n })`).
 *
 * What stops it in @tensorflow/tfjs-backend-wasm 4.22, and what this file does:
 *
 * 1. dist/flags_wasm.js (flag WASM_HAS_MULTITHREAD_SUPPORT, ~line 48) returns
 *    false whenever IS_NODE ("Enable node support once this is resolved:
 *    tensorflow/tfjs#3830"), so Node always gets the single-threaded SIMD
 *    binary. We set the flag to true before the backend starts.
 * 2. dist/backend_wasm.js init(), `locateFile`: the pthread worker script is
 *    handed to emscripten as `URL.createObjectURL(new Blob(...))`, and the main
 *    script as a Blob (`mainScriptUrlOrBlob`). Emscripten's Node path does
 *    `new Worker(url)` with worker_threads, which only takes a file path or a
 *    file:/data: URL, so it throws; inside the worker, `importScripts(blobUrl)`
 *    is `fs.readFileSync(blobUrl)`, which fails too. Emscripten looks `Worker`
 *    up on globalThis (the glue assigns `global.Worker = worker_threads.Worker`,
 *    tf-backend-wasm.node.js line ~7741), so while the backend starts we put
 *    an accessor there that keeps that assignment out and answers with a
 *    worker_threads.Worker subclass: it runs the worker source
 *    (wasm-out/tfjs-backend-wasm-threaded-simd.worker.js) with `eval: true`,
 *    and rewrites the 'load' message to name the real glue file
 *    (wasm-out/tfjs-backend-wasm-threaded-simd.js) instead of the Blob.
 * 3. The C++ side (src/cc/backend.cc, init_with_threads_count) caps threads at
 *    emscripten_num_logical_cores() / 2, i.e. os.cpus().length / 2 in Node
 *    (hyperthreads assumed), so a 2-core machine gets 1 thread whatever
 *    setThreadsCount says. That value is read once, while the module's static
 *    constructors run, so during start-up we make os.cpus() report at least
 *    2 * threads entries.
 *
 * Measured on the 2-core dev box (see bench/matmul.ts): matmul 512x512 went from
 * ~16-19 to ~31-33 GFLOP/s with 2 threads; results equal the cpu backend's to
 * float32 rounding. The emscripten pool (8 workers) is unref'd, so the process
 * still exits on its own; `tf.removeBackend('wasm')` terminates the workers.
 * Node only: browsers need cross-origin isolation for SharedArrayBuffer and tfjs
 * already enables threads there by itself.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as WasmPackage from '@tensorflow/tfjs-backend-wasm';
import type * as NodeOs from 'node:os';
import type * as NodeWorkerThreads from 'node:worker_threads';
import { PeftError } from '../errors';
import { importByName, nodeBuiltin, resolveModulePath } from './node-modules';

const WORKER_MODULE = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';
const GLUE_MODULE = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';

/** Multi-threaded wasm cannot be set up (not Node, or the package layout changed). */
export class WasmThreadsUnavailableError extends PeftError {
  constructor(reason: string) {
    super('WASM_THREADS_UNAVAILABLE', `multi-threaded wasm is not available: ${reason}`);
  }
}

/**
 * Prepares the next start of the wasm backend to use `threads` threads.
 * Call right before `tf.setBackend('wasm')`; call the returned function right
 * after it (success or not) to undo the temporary global changes.
 */
export async function prepareWasmThreads(wasm: typeof WasmPackage, threads: number): Promise<() => void> {
  const workerThreads = await nodeBuiltin<typeof NodeWorkerThreads>('worker_threads');
  const os = await nodeBuiltin<typeof NodeOs>('os');
  if (workerThreads == null || os == null) throw new WasmThreadsUnavailableError('worker_threads is only available in Node');
  const gluePath = await resolveModulePath(GLUE_MODULE);
  if (gluePath == null) throw new WasmThreadsUnavailableError(`cannot resolve ${GLUE_MODULE}`);
  const workerModule = await importByName<{ wasmWorkerContents?: string; default?: { wasmWorkerContents?: string } }>(WORKER_MODULE);
  const workerSource = workerModule.wasmWorkerContents ?? workerModule.default?.wasmWorkerContents;
  if (typeof workerSource !== 'string') throw new WasmThreadsUnavailableError(`${WORKER_MODULE} has no wasmWorkerContents`);

  // The source is a template literal in which "\n" inside strings became real
  // newlines; tfjs escapes them back the same way before making its Blob.
  const evalSource = workerSource.replace(/\n/g, '\\n');
  class PThreadWorker extends workerThreads.Worker {
    constructor() {
      // execArgv: [] so that loaders the app runs under (tsx, ts-node) stay out of this plain-JS worker.
      super(evalSource, { eval: true, execArgv: [] });
    }
    override postMessage(message: unknown, transferList?: readonly NodeWorkerThreads.TransferListItem[]): void {
      const m = message as { cmd?: string } | null;
      super.postMessage(m?.cmd === 'load' ? { ...m, urlOrBlob: gluePath } : message, transferList);
    }
  }

  const restoreWorker = overrideGlobal('Worker', PThreadWorker);
  const realCpus = os.cpus;
  const minimumCpus = 2 * threads;
  // The cap reads os.cpus() through the module object, so patch it there.
  (os as { cpus: typeof os.cpus }).cpus = () => {
    const cpus = realCpus();
    while (cpus.length < minimumCpus) cpus.push(cpus[0]);
    return cpus;
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  return () => {
    (os as { cpus: typeof os.cpus }).cpus = realCpus;
    restoreWorker();
  };
}

/** Makes `globalThis[name]` read as `value` and ignore writes, until the returned function restores it. */
function overrideGlobal(name: string, value: unknown): () => void {
  const previous = Object.getOwnPropertyDescriptor(globalThis, name);
  Object.defineProperty(globalThis, name, { configurable: true, get: () => value, set: () => undefined });
  return () => {
    if (previous == null) delete (globalThis as Record<string, unknown>)[name];
    else Object.defineProperty(globalThis, name, previous);
  };
}
