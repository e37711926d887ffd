/**
 * Kernels for the wasm backend that training needs, found by differentiating
 * a model zoo on wasm and comparing with the cpu backend and with finite
 * differences (see training-ops.test.ts):
 * - missing: @tensorflow/tfjs-backend-wasm 4.22 is built for inference and does
 *   not ship them ("Kernel 'X' not registered for backend 'wasm'");
 * - replaced: it ships them but they compute wrong values, or copy where they
 *   could share (Identity, which the gradient tape calls on every saved input).
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterKernel } from './conv2d-backprop-filter';
import { depthwiseConv2dBackpropFilterKernel } from './depthwise-conv2d-backprop-filter';
import { depthwiseConv2dBackpropInputKernel } from './depthwise-conv2d-backprop-input';
import { maxPoolGradKernel } from './max-pool-grad';
import { sharedIdentityKernel } from './shared-identity';
import { unsortedSegmentSumKernel } from './unsorted-segment-sum';
import { WASM } from './wasm-io';

/** Kernels wasm lacks: registered only where still missing (a later tfjs may ship its own; we keep it). */
export const MISSING_WASM_KERNELS: readonly tf.KernelConfig[] = [
  unsortedSegmentSumKernel,
  conv2dBackpropFilterKernel,
  depthwiseConv2dBackpropFilterKernel,
  depthwiseConv2dBackpropInputKernel,
];

/** Kernels wasm ships wrong (MaxPoolGrad) or wasteful (Identity copies what it could share) in 4.22: always replaced by ours. */
export const REPLACED_WASM_KERNELS: readonly tf.KernelConfig[] = [maxPoolGradKernel, sharedIdentityKernel];

/**
 * Registers the kernels above. Safe to call any number of times, before or
 * after the wasm backend starts. Returns the kernel names it (re)registered.
 */
export function registerWasmTrainingKernels(): string[] {
  const changed: string[] = [];
  for (const config of MISSING_WASM_KERNELS) {
    if (tf.getKernel(config.kernelName, WASM) == null) {
      tf.registerKernel(config);
      changed.push(config.kernelName);
    }
  }
  for (const config of REPLACED_WASM_KERNELS) {
    const current = tf.getKernel(config.kernelName, WASM);
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current != null) tf.unregisterKernel(config.kernelName, WASM);
    tf.registerKernel(config);
    changed.push(config.kernelName);
  }
  return changed;
}
