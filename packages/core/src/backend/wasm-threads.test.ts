/**
 * Multi-threaded wasm in Node (see wasm-threads.ts for what tfjs does and what
 * we change). Runs in its own test file: the thread count is fixed when wasm
 * first starts, and jest gives every file a fresh tfjs.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assertClose, values } from './test-support/gradient-check';
import { backendInfo, useBackend } from './use-backend';

const realCpus = os.cpus;

afterAll(() => {
  // Terminates the pthread workers.
  tf.removeBackend('wasm');
});

/** Results of a few kernels XNNPACK parallelises, plus a gradient through them, on the active backend. */
function workload(): number[][] {
  return tf.tidy(() => {
    const a = tf.tensor(values(67 * 129, 1), [67, 129]);
    const b = tf.tensor(values(129 * 71, 2), [129, 71]);
    const x = tf.tensor(values(2 * 17 * 17 * 8, 3), [2, 17, 17, 8]) as tf.Tensor4D;
    const w = tf.tensor(values(3 * 3 * 8 * 16, 4, -0.3, 0.3), [3, 3, 8, 16]) as tf.Tensor4D;
    const grad = tf.grad((k: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, k as tf.Tensor4D, 1, 'same'))))(w);
    return [tf.matMul(a, b), tf.conv2d(x, w, 2, 'same'), grad].map((t) => Array.from(t.dataSync()));
  });
}

test('two threads start, compute what the cpu backend computes, and leave no global changes behind', async () => {
  await useBackend('cpu');
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  const reference = workload();

  const info = await useBackend('wasm', { wasmThreads: 2 });
  expect(info).toMatchObject({ name: 'wasm', threads: 2, simd: true });
  expect(backendInfo().threads).toBe(2);
  expect('PThread' in (tf.backend() as BackendWasm).wasm).toBe(true);
  workload().forEach((result, i) => assertClose(`result ${i}, 2 threads vs cpu`, result, reference[i], 1e-3, 1e-4));

  expect(os.cpus).toBe(realCpus);
  expect('Worker' in globalThis).toBe(false);
});
