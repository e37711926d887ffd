/**
 * Every op the model zoo trains with, and the zoo models themselves, must give
 * the same gradients on wasm as on cpu, and both must match central finite
 * differences. Running this on wasm is how the missing and wrong wasm kernels
 * were found (see wasm-kernels/index.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { analytic, assertClose, largestMagnitude, numeric, onBackend, sampleIndices, type GradientCase } from './test-support/gradient-check';
import { MODEL_CASES } from './test-support/model-cases';
import { OP_CASES } from './test-support/op-cases';

// wasm and cpu sum in different orders (XNNPACK tiles, fused multiply-adds).
const BACKEND_ATOL = 1e-4;
const BACKEND_RTOL = 1e-3;
// Central differences in float32 with a step of 1e-2..1e-3.
const FD_ATOL = 2e-3;
const FD_RTOL = 2e-2;

async function check(c: GradientCase): Promise<void> {
  await onBackend('cpu');
  const before = tf.memory().numTensors;
  const cpu = analytic(c);
  await onBackend('wasm');
  const wasm = analytic(c);
  expect(wasm.loss).toBeCloseTo(cpu.loss, 4);
  cpu.grads.forEach((g, i) => assertClose(`${c.name}: gradient of input ${i}, wasm vs cpu`, wasm.grads[i], g, BACKEND_ATOL, BACKEND_RTOL));
  // A case whose gradients vanish would pass any comparison.
  expect(largestMagnitude(cpu.grads)).toBeGreaterThan(1e-2);

  await onBackend('cpu');
  c.inputs.forEach((spec, i) => {
    const indices = sampleIndices(spec.values.length, c.maxChecked);
    const expected = numeric(c, i, indices);
    assertClose(`${c.name}: gradient of input ${i} vs finite differences`, indices.map((j) => cpu.grads[i][j]), expected, c.atol ?? FD_ATOL, c.rtol ?? FD_RTOL);
  });
  expect(tf.memory().numTensors).toBe(before);
}

describe('gradients of single ops, wasm vs cpu vs finite differences', () => {
  test.each(OP_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await check(c);
  });
});

describe('gradients of the model zoo, wasm vs cpu vs finite differences', () => {
  test.each(MODEL_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await check(c);
  });
});
