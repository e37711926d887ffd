/**
 * Trains in a Web Worker so the page stays responsive: tfjs on wasm or cpu
 * computes on the thread that calls it, and a training step blocks that thread.
 */
import { openAdapterStore, PeftModel, useBackend } from '@peftjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { makeBase, outputsOf, trainAdapter } from './experiment';
import type { DemoBackend, FromWorker, ToWorker } from './protocol';

const post = (message: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(message, transfer);

/** The adapter WebGPU runs on (SwiftShader here, a GPU on a user's machine), as the browser describes it. */
async function webgpuAdapterName(): Promise<string> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string } } | null> } }).gpu;
  const adapter = await gpu?.requestAdapter();
  return adapter?.info ? `${adapter.info.vendor ?? '?'} ${adapter.info.architecture ?? ''}`.trim() : 'unknown adapter';
}

async function startBackend(backend: DemoBackend, wasmPaths: string): Promise<string> {
  // A bundler cannot follow useBackend's import of an optional package by name: the app imports
  // the GPU backend it ships, which registers it with tfjs, and useBackend then starts it (gradients included).
  if (backend === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
  if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  const info = await useBackend(backend, { wasmPaths });
  if (info.name === 'webgpu') return `webgpu (${await webgpuAdapterName()})`;
  if (info.name !== 'webgl') return `${info.name} (simd ${String(info.simd)}, threads ${info.threads})`;
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
  // The plain RENDERER is masked ("WebKit WebGL"); the debug extension names the real one (SwiftShader, a GPU).
  const debugInfo = gl?.getExtension('WEBGL_debug_renderer_info');
  const renderer = (debugInfo != null ? gl?.getParameter(debugInfo.UNMASKED_RENDERER_WEBGL) : gl?.getParameter(gl.RENDERER)) as string | undefined;
  return `webgl (${renderer ?? 'unknown renderer'})`;
}

async function run({ backend, steps, wasmPaths }: ToWorker): Promise<void> {
  post({ type: 'backend', description: await startBackend(backend, wasmPaths) });
  const model = await trainAdapter(steps, (record) => post({ type: 'step', record }));
  const outputs = await outputsOf(model);
  const { config, weights } = await model.toAdapterBytes('default');
  model.dispose();
  // Kept in IndexedDB, as a page keeps what it trained across reloads; the check below reads it back from there.
  const store = await openAdapterStore();
  await store.put(`demo-${backend}`, { config, weights });
  const stored = await store.get(`demo-${backend}`);
  store.close();
  if (stored === undefined) throw new Error('the adapter saved in IndexedDB was not found again');
  // The reload the page offers to check: the same base, the adapter from the stored bytes alone.
  const reloaded = await PeftModel.fromAdapterBytes(makeBase(), stored);
  const reloadedOutputs = await outputsOf(reloaded);
  reloaded.dispose();
  const configBuffer = config.slice().buffer;
  const weightsBuffer = weights.slice().buffer;
  post({ type: 'done', config: configBuffer, weights: weightsBuffer, outputs, reloadedOutputs }, [configBuffer, weightsBuffer]);
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  run(event.data).catch((error: unknown) => post({ type: 'error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
};
