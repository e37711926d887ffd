/**
 * Multi-threaded wasm in Node: opt-in (`useBackend('wasm', { wasmThreads: n })`).
 *
 * FINDING. tfjs-backend-wasm 4.22 ships a working pthreads build
 * (tfjs-backend-wasm-threaded-simd.wasm) whose emscripten glue supports Node's
 * worker_threads, but five things keep it off or broken in Node. Paths are in
 * node_modules/@tensorflow/tfjs-backend-wasm; "node.js" is dist/tf-backend-wasm.node.js.
 *
 * 1. It is never chosen: dist/flags_wasm.js:44 (node.js:7633) makes the flag
 *    WASM_HAS_MULTITHREAD_SUPPORT false whenever IS_NODE ("Enable node support
 *    once this is resolved: tensorflow/tfjs#3830"). We set the flag to true.
 * 2. Its workers cannot start: init() in dist/backend_wasm.js:243 (node.js:9324)
 *    hands emscripten the worker script as URL.createObjectURL(new Blob(...)),
 *    and the main script as a Blob (backend_wasm.js:282, node.js:9363).
 *    Emscripten's Node path does `new Worker(blobUrl)` with worker_threads, which
 *    takes only a path or a file:/data: URL, so it throws; inside a worker,
 *    importScripts(blobUrl) is fs.readFileSync(blobUrl), which fails too.
 *    Emscripten reads `Worker` from globalThis (the glue sets it at node.js:7741),
 *    so while the backend starts we put an accessor there that ignores that
 *    assignment and answers with PThreadWorker below: it evals the worker source
 *    (wasm-out/tfjs-backend-wasm-threaded-simd.worker.js) and rewrites the 'load'
 *    message to name the glue file (wasm-out/tfjs-backend-wasm-threaded-simd.js).
 * 3. It would use one thread anyway: the C++ init_with_threads_count caps the
 *    count at emscripten_num_logical_cores() / 2 (hyperthreads assumed), which in
 *    Node is os.cpus().length / 2 (node.js:8235): 1 on a 2-core machine, whatever
 *    setThreadsCount says. The value is read once, by a static constructor while
 *    the module starts, so during start-up os.cpus() reports 2 * threads entries.
 * 4. Workers inherit the app's execArgv; under a loader (tsx) the eval'd worker is
 *    not plain CJS and never reports 'loaded', so start-up hangs. We pass execArgv: [].
 * 5. The process never exits: emscripten ref()s a worker while it runs a pthread
 *    (node.js:8005) and XNNPACK's pool threads never end. PThreadWorker.ref() unrefs.
 *
 * With these, it works and is correct: kernels give the cpu backend's results to
 * float32 rounding (wasm-threads.test.ts, also in plain Node ESM and CJS builds in
 * dual-build.test.ts). Throughput (bench/matmul.ts, 2-core box): with the second
 * core idle, matmul 512/1024 went from ~16-21 to ~31-36 GFLOP/s; with both cores
 * busy with other work it gains nothing (and loses at 256). It is the default in
 * Node (one thread per core, see wasm-start.ts) since an otherwise idle machine
 * is the common case; `wasmThreads: 1` opts out. Caveats: os.cpus is patched
 * process-wide for the ~0.3 s start-up; a worker that throws makes emscripten
 * rethrow on the main thread (it crashes the process, as in any emscripten app).
 * Node only: browsers need cross-origin isolation for SharedArrayBuffer, and tfjs
 * already turns threads on there by itself.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as WasmPackage from '@tensorflow/tfjs-backend-wasm';
import type * as NodeOs from 'node:os';
import type * as NodeWorkerThreads from 'node:worker_threads';
import { PeftError } from '../errors';
import { brandErrorClass } from '../util/brand';
import { importByName, nodeBuiltin, resolveModulePath } from './node-modules';

const WORKER_MODULE = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';
const GLUE_MODULE = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';

/** Multi-threaded wasm cannot be set up (not Node, or the package layout changed). */
export class WasmThreadsUnavailableError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'WasmThreadsUnavailableError');
  }

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

  // Finding 2. The source is a template literal, so each "\n" written inside its
  // strings became a real newline; tfjs escapes them back the same way for its Blob.
  const evalSource = workerSource.replace(/\n/g, '\\n');
  class PThreadWorker extends workerThreads.Worker {
    constructor() {
      super(evalSource, { eval: true, execArgv: [] }); // finding 4
    }
    // Finding 5. A tfjs op runs on (and blocks) the main thread until its workers are
    // done, so an idle event loop means no work in flight: workers need not keep the process alive.
    override ref(): void {
      this.unref();
    }
    override postMessage(message: unknown, transferList?: readonly NodeWorkerThreads.TransferListItem[]): void {
      const m = message as { cmd?: string } | null;
      super.postMessage(m?.cmd === 'load' ? { ...m, urlOrBlob: gluePath } : message, transferList);
    }
  }

  const restoreWorker = overrideGlobal('Worker', PThreadWorker);
  // Finding 3. The glue calls require("os").cpus(), so patch it on the module object.
  const realCpus = os.cpus;
  const minimumCpus = 2 * threads;
  (os as { cpus: typeof os.cpus }).cpus = () => {
    const cpus = realCpus();
    while (cpus.length < minimumCpus) cpus.push(cpus[0]);
    return cpus;
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true); // finding 1
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
