/**
 * Reading inputs and writing outputs of JS kernels that run on the wasm
 * backend, and calling wasm's own kernels from them. The wasm heap can move
 * when it grows, so values are copied out (readSync) and results are written
 * through makeOutput in one step, never through a view held across allocations.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const WASM = 'wasm';

export interface WasmKernelArgs<Attrs = unknown> {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: Attrs;
}

/** Wraps a typed kernel body as the untyped `KernelFunc` tfjs registers. */
export function wasmKernel<Attrs>(kernelName: string, body: (args: WasmKernelArgs<Attrs>) => tf.TensorInfo): tf.KernelConfig {
  return { kernelName, backendName: WASM, kernelFunc: body as unknown as tf.KernelFunc };
}

export function input(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const info = inputs[name];
  if (info == null) throw new Error(`wasm fallback kernel: missing input '${name}'`);
  return info;
}

/** A copy of a tensor's values (float32 or int32). */
export function read(backend: BackendWasm, info: tf.TensorInfo): Float32Array | Int32Array {
  return backend.readSync(info.dataId) as Float32Array | Int32Array;
}

/** A new wasm tensor holding `values`. */
export function output(backend: BackendWasm, shape: number[], dtype: tf.DataType, values: tf.TypedArray): tf.TensorInfo {
  return backend.makeOutput(shape, dtype, undefined, values);
}

/** Runs a kernel wasm ships, directly (no engine, no tape): the caller disposes the result. */
export function callWasmKernel(backend: BackendWasm, kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: object): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, WASM);
  if (kernel == null) throw new Error(`wasm fallback kernel needs wasm kernel '${kernelName}'`);
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
}

/** Same, for a kernel taking an array of inputs (Concat). */
export function callWasmKernelOnList(backend: BackendWasm, kernelName: string, inputs: tf.TensorInfo[], attrs: object): tf.TensorInfo {
  return callWasmKernel(backend, kernelName, inputs as unknown as tf.NamedTensorInfoMap, attrs);
}

export function dispose(backend: BackendWasm, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}
