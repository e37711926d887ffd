/**
 * useBackend when the optional node packages ARE installed, simulated with
 * jest module mocks (the real ones cannot be installed here): auto takes the
 * first that starts, skips one that is installed but broken, and an explicit
 * request for a broken one says it is installed but failed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { BackendInitError } from './errors';
import { useBackend } from './use-backend';
import { setWarningHandler } from '../util/log';

const warnings: string[] = [];
setWarningHandler((message) => warnings.push(message));

// Both packages "resolve"; tfjs-node-gpu fails to load its native library, tfjs-node
// registers a working 'tensorflow' backend (a cpu backend under that name).
jest.mock('./node-modules', () => ({
  ...jest.requireActual('./node-modules'),
  isPackageInstalled: async (name: string) => name === '@tensorflow/tfjs-node' || name === '@tensorflow/tfjs-node-gpu',
}));
jest.mock(
  '@tensorflow/tfjs-node-gpu',
  () => {
    throw new Error('libcudart.so.11.0: cannot open shared object file');
  },
  { virtual: true },
);
jest.mock(
  '@tensorflow/tfjs-node',
  () => {
    const core = jest.requireActual('@tensorflow/tfjs-core') as typeof tf;
    const { MathBackendCPU: Cpu } = jest.requireActual('@tensorflow/tfjs-backend-cpu') as { MathBackendCPU: typeof MathBackendCPU };
    core.registerBackend('tensorflow', () => new Cpu(), 3);
    core.copyRegisteredKernels('cpu', 'tensorflow');
    return {};
  },
  { virtual: true },
);

test('auto skips the broken tensorflow-gpu and takes tensorflow', async () => {
  const info = await useBackend('auto');
  expect(info).toMatchObject({ name: 'tensorflow', tfjsBackend: 'tensorflow', device: 'cpu', simd: null });
  expect(info.threads).toBeGreaterThanOrEqual(1);
  expect(tf.getBackend()).toBe('tensorflow');
  expect(warnings).toEqual([
    "useBackend('auto') fell back to 'tensorflow': backend 'tensorflow-gpu' is installed but failed to start: libcudart.so.11.0: cannot open shared object file",
  ]);
});

test('asking for the broken one explicitly says it is installed but failed, with the cause', async () => {
  const attempt = useBackend('tensorflow-gpu');
  await expect(attempt).rejects.toBeInstanceOf(BackendInitError);
  await expect(attempt).rejects.toMatchObject({ code: 'BACKEND_INIT_FAILED', backend: 'tensorflow-gpu' });
  await expect(attempt).rejects.toThrow(/installed but failed to start: libcudart/);
});
