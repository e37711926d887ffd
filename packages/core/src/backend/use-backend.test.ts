/**
 * useBackend / backendInfo as installed here: tfjs-node and tfjs-node-gpu are
 * not installed (they download libtensorflow at install time), wasm and cpu are.
 * Order matters in this file: the first tests run before anything registers.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError } from '../errors';
import { BackendNotInstalledError, NoBackendError, UnknownBackendError, UnsupportedBackendError } from './errors';
import { TRAINING_GRADIENTS } from './gradients';
import { backendInfo, useBackend } from './use-backend';
import { setWarningHandler } from '../util/log';

const warnings: string[] = [];
setWarningHandler((message) => warnings.push(message));
/** wasm's default in Node: one thread per core, up to tfjs's pool of 8. */
const cores = Math.min(8, os.availableParallelism());

afterAll(() => {
  tf.removeBackend('wasm'); // terminates the pthread workers of the default threaded start
});

const silenceCpuBanner = () => ((tf.backend() as unknown as { firstUse?: boolean }).firstUse = false);

test('backendInfo before any backend runs is a typed error', () => {
  expect(() => backendInfo()).toThrow(NoBackendError);
  expect(() => backendInfo()).toThrow(expect.objectContaining({ code: 'NO_BACKEND', name: 'NoBackendError', failures: [] }));
});

test('registerTrainingSupport: false leaves tfjs as shipped', async () => {
  await useBackend('cpu', { registerTrainingSupport: false });
  expect(TRAINING_GRADIENTS.filter((g) => tf.getGradient(g.kernelName) === g)).toEqual([]);
  expect(tf.getKernel(tf.UnsortedSegmentSum, 'wasm')).toBeUndefined();
});

test('auto picks wasm, on every core, when the node backends are not installed, and says it fell back', async () => {
  const info = await useBackend();
  expect(info).toMatchObject({ name: 'wasm', tfjsBackend: 'wasm', device: 'cpu', threads: cores });
  expect(warnings).toEqual([
    "useBackend('auto') fell back to 'wasm': tensorflow-gpu is not installed (run `npm install @tensorflow/tfjs-node-gpu`); tensorflow is not installed (run `npm install @tensorflow/tfjs-node`)",
  ]);
  expect(typeof info.simd).toBe('boolean');
  expect(info.memory.numTensors).toBe(tf.memory().numTensors);
  expect(tf.getBackend()).toBe('wasm');
  expect(backendInfo()).toMatchObject({ name: 'wasm' });
});

test('after useBackend, gradients and the wasm fallback kernels are there: an embedding trains', async () => {
  await useBackend('wasm');
  const before = tf.memory().numTensors;
  const grad = tf.tidy(() => {
    const table = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    return Array.from(tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, tf.tensor1d([2, 0, 2], 'int32'))))(table).dataSync());
  });
  expect(grad).toEqual([1, 1, 0, 0, 2, 2]);
  expect(tf.memory().numTensors).toBe(before);
});

test.each([
  ['tensorflow', '@tensorflow/tfjs-node'],
  ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
] as const)("asking for '%s' names the package to install", async (name, packageName) => {
  const attempt = useBackend(name);
  await expect(attempt).rejects.toBeInstanceOf(BackendNotInstalledError);
  await expect(attempt).rejects.toMatchObject({ code: 'BACKEND_NOT_INSTALLED', backend: name, packageName });
  await expect(attempt).rejects.toThrow(`npm install ${packageName}`);
  expect(tf.getBackend()).toBe('wasm'); // the failed request changed nothing
});

test('an unknown name lists the valid ones', async () => {
  const attempt = useBackend('metal' as never);
  await expect(attempt).rejects.toBeInstanceOf(UnknownBackendError);
  await expect(attempt).rejects.toThrow("unknown backend 'metal': expected one of 'auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'");
});

test('calling twice is fine, and switching moves on with tensors intact', async () => {
  const first = await useBackend('wasm');
  const again = await useBackend('wasm');
  expect(again.name).toBe(first.name);
  const kept = tf.tensor1d([1, 2, 3]);
  const cpu = await useBackend('cpu');
  silenceCpuBanner();
  expect(cpu).toMatchObject({ name: 'cpu', tfjsBackend: 'cpu', device: 'cpu', simd: null, threads: 1 });
  expect(Array.from(tf.mul(kept, 2).dataSync())).toEqual([2, 4, 6]);
  expect((await useBackend('wasm')).name).toBe('wasm');
  expect(Array.from(tf.add(kept, 1).dataSync())).toEqual([2, 3, 4]);
  tf.dispose(kept);
});

test('wasmThreads is validated', async () => {
  for (const bad of [0, 1.5, 9, Number.NaN]) {
    await expect(useBackend('wasm', { wasmThreads: bad })).rejects.toBeInstanceOf(InvalidArgumentError);
  }
});

test('wasmThreads cannot change once wasm runs in the process', async () => {
  await useBackend('wasm');
  const other = cores === 1 ? 2 : 1;
  await expect(useBackend('wasm', { wasmThreads: other })).rejects.toThrow(`already runs with ${cores} thread(s)`);
  await expect(useBackend('wasm', { wasmThreads: cores })).resolves.toMatchObject({ threads: cores });
});

test('a tfjs backend peftjs does not manage is reported as such', async () => {
  tf.registerBackend('foreign', () => new MathBackendCPU());
  await tf.setBackend('foreign');
  expect(() => backendInfo()).toThrow(UnsupportedBackendError);
  expect(() => backendInfo()).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_BACKEND', tfjsBackend: 'foreign', supported: ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'] }));
  expect(() => backendInfo()).toThrow(/'foreign' is not one peftjs manages/);
  await useBackend('wasm');
  tf.removeBackend('foreign');
});

test("in Node, asking for 'webgl' or 'webgpu' says it needs a browser", async () => {
  // tfjs-backend-webgl is installed here (a dependency of @tensorflow/tfjs) but registers nothing in Node.
  const webgl = useBackend('webgl');
  await expect(webgl).rejects.toMatchObject({ code: 'BACKEND_INIT_FAILED', backend: 'webgl' });
  await expect(webgl).rejects.toThrow("@tensorflow/tfjs-backend-webgl loaded but registered no 'webgl' backend with tfjs: it needs a browser with WebGL");
  // tfjs-backend-webgpu is a devDependency (the browser check trains on it); without navigator.gpu it registers nothing.
  const webgpu = useBackend('webgpu');
  await expect(webgpu).rejects.toMatchObject({ code: 'BACKEND_INIT_FAILED', backend: 'webgpu' });
  await expect(webgpu).rejects.toThrow("@tensorflow/tfjs-backend-webgpu loaded but registered no 'webgpu' backend with tfjs: it needs a browser with WebGPU (navigator.gpu)");
  expect(tf.getBackend()).toBe('wasm');
});

test('backendInfo reports a webgl backend started by hand, with tfjs-backend-webgl installed', async () => {
  // Stands in for a page that imported tfjs-backend-webgl itself and called tf.setBackend('webgl').
  tf.registerBackend('webgl', () => new MathBackendCPU());
  await tf.setBackend('webgl');
  silenceCpuBanner();
  expect(backendInfo()).toMatchObject({ name: 'webgl', tfjsBackend: 'webgl', device: 'gpu', simd: null, threads: 1 });
  await useBackend('wasm');
  tf.removeBackend('webgl');
});
