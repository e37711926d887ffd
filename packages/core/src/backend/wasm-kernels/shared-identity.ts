/**
 * Identity (tf.clone) on wasm without a copy: the result shares the input's
 * buffer, counted by reference, as the cpu backend's Identity does. tfjs never
 * writes into a tensor's buffer (ops make new tensors, `Variable.assign`
 * swaps buffers), so sharing is safe.
 *
 * Why it matters: the gradient tape saves every input a kernel's gradient
 * needs through `clone`. wasm 4.22's Identity copies, so a training step on a
 * frozen base held one or two copies of every weight a matMul read (measured
 * on a 135M-parameter decoder: Identity added 1.2 GB to a 0.5 GB model).
 */
import * as tf from '@tensorflow/tfjs-core';
import { wasmKernel } from './wasm-io';

export const sharedIdentityKernel = wasmKernel<Record<string, never>>(tf.Identity, ({ inputs, backend }) => {
  const x = inputs.x as tf.TensorInfo;
  // Strings live outside the wasm heap: they are copied as wasm's own kernel does.
  if (x.dtype === 'string') return tf.tensor(backend.readSync(x.dataId) as unknown as string[], x.shape, x.dtype) as unknown as tf.TensorInfo;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
});
