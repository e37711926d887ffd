/**
 * Each wasm fallback kernel against the cpu backend's kernel, over several
 * geometries, and (where the cpu kernel is itself wrong, or as an independent
 * reference) against the exact adjoint of the forward kernel: a backprop kernel
 * K must satisfy <K(dy), e_j> = <dy, forward(e_j)> for every unit vector e_j.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { assertClose, onBackend, values, type TestBackend } from '../test-support/gradient-check';
import { registerWasmTrainingKernels } from './index';

// Captured before our replacement is registered, to pin down why we replace it.
const nativeMaxPoolGrad = tf.getKernel(tf.MaxPoolGrad, 'wasm');

interface KernelRun {
  kernel: string;
  inputs: Record<string, { shape: number[]; values: number[]; dtype?: 'float32' | 'int32' }>;
  attrs: object;
}

async function runOn(backend: TestBackend, run: KernelRun): Promise<{ shape: number[]; values: Float32Array | Int32Array }> {
  await onBackend(backend);
  return tf.tidy(() => {
    const inputs = Object.fromEntries(Object.entries(run.inputs).map(([name, t]) => [name, tf.tensor(t.values, t.shape, t.dtype ?? 'float32')]));
    const out = tf.engine().runKernel(run.kernel, inputs, run.attrs as tf.NamedAttrMap) as tf.Tensor;
    return { shape: out.shape, values: out.dataSync() as Float32Array | Int32Array };
  });
}

async function expectSameAsCpu(run: KernelRun, atol = 1e-4): Promise<void> {
  const cpu = await runOn('cpu', run);
  const wasm = await runOn('wasm', run);
  expect(wasm.shape).toEqual(cpu.shape);
  assertClose(`${run.kernel} wasm vs cpu`, wasm.values, cpu.values, atol, 1e-4);
}

const t = (shape: number[], seed: number) => ({ shape, values: values(tf.util.sizeFromShape(shape), seed) });
/** A constant 4-D tensor from one of the specs above. */
function const4d(spec: { shape: number[]; values: number[] }): tf.Tensor4D {
  const c: tf.Tensor = tf.tensor(spec.values, spec.shape);
  return c as tf.Tensor4D;
}

/** <dy, forward(e_j)> for every j: the exact backprop of `forward` along dy, computed on wasm. */
async function adjoint(shape: number[], forward: (unit: tf.Tensor) => tf.Tensor, dy: number[]): Promise<number[]> {
  await onBackend('wasm');
  const size = tf.util.sizeFromShape(shape);
  return Array.from({ length: size }, (_, j) =>
    tf.tidy(() => {
      const unit = tf.buffer(shape);
      unit.values[j] = 1;
      const y = forward(unit.toTensor());
      return tf.sum(tf.mul(y, tf.tensor(dy.slice(0, y.size), y.shape))).dataSync()[0];
    }),
  );
}

beforeAll(async () => {
  await onBackend('wasm');
});

test('registration is idempotent and replaces the broken MaxPoolGrad', () => {
  registerWasmTrainingKernels();
  expect(registerWasmTrainingKernels()).toEqual([]);
  for (const name of [tf.UnsortedSegmentSum, tf.Conv2DBackpropFilter, tf.DepthwiseConv2dNativeBackpropFilter, tf.DepthwiseConv2dNativeBackpropInput, tf.MaxPoolGrad]) {
    expect(tf.getKernel(name, 'wasm')).toBeDefined();
  }
  expect(tf.getKernel(tf.MaxPoolGrad, 'wasm').kernelFunc).not.toBe(nativeMaxPoolGrad.kernelFunc);
});

describe('UnsortedSegmentSum', () => {
  test('float rows, repeated, negative and out-of-range ids (dropped)', async () => {
    await expectSameAsCpu({
      kernel: tf.UnsortedSegmentSum,
      inputs: { x: t([7, 3], 1), segmentIds: { shape: [7], values: [2, 0, 2, -1, 4, 0, 9], dtype: 'int32' } },
      attrs: { numSegments: 5 },
    });
  });
  test('2-D segment ids over a 3-D x', async () => {
    // The cpu kernel throws on 2-D ids (a broadcasting bug), so the reference is written out here.
    const x = t([2, 3, 4], 2);
    const ids = [0, 1, 1, 3, 0, 2];
    const expected = new Array<number>(4 * 4).fill(0);
    ids.forEach((segment, row) => x.values.slice(row * 4, row * 4 + 4).forEach((v, j) => (expected[segment * 4 + j] += v)));
    const wasm = await runOn('wasm', {
      kernel: tf.UnsortedSegmentSum,
      inputs: { x, segmentIds: { shape: [2, 3], values: ids, dtype: 'int32' } },
      attrs: { numSegments: 4 },
    });
    expect(wasm.shape).toEqual([4, 4]);
    assertClose('2-D ids', wasm.values, expected, 1e-6, 1e-6);
  });
  test('int32 values stay int32', async () => {
    const run: KernelRun = {
      kernel: tf.UnsortedSegmentSum,
      inputs: { x: { shape: [4], values: [5, -2, 7, 1], dtype: 'int32' }, segmentIds: { shape: [4], values: [1, 1, 0, 1], dtype: 'int32' } },
      attrs: { numSegments: 2 },
    };
    const wasm = await runOn('wasm', run);
    expect(wasm.values).toBeInstanceOf(Int32Array);
    expect(Array.from(wasm.values)).toEqual([7, 4]);
  });
});

describe('Conv2DBackpropFilter', () => {
  const geometries: Array<[string, number[], number[], number[], number | [number, number], unknown, 'NHWC' | 'NCHW']> = [
    ['same, stride 1', [2, 5, 5, 3], [3, 3, 3, 4], [2, 5, 5, 4], 1, 'same', 'NHWC'],
    ['valid, stride 2', [2, 7, 6, 2], [3, 2, 2, 3], [2, 3, 3, 3], 2, 'valid', 'NHWC'],
    ['same, stride [2, 1], even filter', [1, 6, 5, 2], [2, 4, 2, 2], [1, 3, 5, 2], [2, 1], 'same', 'NHWC'],
    ['explicit padding', [1, 6, 5, 2], [3, 3, 2, 2], [1, 3, 6, 2], [2, 1], [[0, 0], [1, 0], [2, 1], [0, 0]], 'NHWC'],
    ['1x1 (pointwise)', [2, 4, 4, 8], [1, 1, 8, 5], [2, 4, 4, 5], 1, 'valid', 'NHWC'],
    ['NCHW', [2, 3, 5, 5], [3, 3, 3, 4], [2, 4, 5, 5], 1, 'same', 'NCHW'],
  ];
  test.each(geometries)('%s: same as cpu', async (_name, xShape, filterShape, dyShape, strides, pad, dataFormat) => {
    await expectSameAsCpu({ kernel: tf.Conv2DBackpropFilter, inputs: { x: t(xShape, 3), dy: t(dyShape, 4) }, attrs: { strides, pad, dataFormat, filterShape } });
  });
  test('equals the adjoint of conv2d with respect to the filter', async () => {
    const x = t([1, 5, 4, 2], 5);
    const dy = values(2 * 2 * 3, 6);
    const run: KernelRun = { kernel: tf.Conv2DBackpropFilter, inputs: { x, dy: { shape: [1, 2, 2, 3], values: dy } }, attrs: { strides: 2, pad: 'valid', dataFormat: 'NHWC', filterShape: [2, 2, 2, 3] } };
    const expected = await adjoint([2, 2, 2, 3], (w) => tf.conv2d(const4d(x), w as tf.Tensor4D, 2, 'valid'), dy);
    assertClose('Conv2DBackpropFilter vs adjoint', (await runOn('wasm', run)).values, expected, 1e-5, 1e-4);
  });
});

describe('depthwise conv backprop', () => {
  const geometries: Array<[string, number[], number[], number[], number, string]> = [
    ['multiplier 1, same', [2, 5, 5, 3], [3, 3, 3, 1], [2, 5, 5, 3], 1, 'same'],
    ['multiplier 2, stride 2, same', [2, 6, 6, 3], [3, 3, 3, 2], [2, 3, 3, 6], 2, 'same'],
    ['multiplier 3, valid', [1, 5, 4, 2], [2, 3, 2, 3], [1, 4, 2, 6], 1, 'valid'],
  ];
  test.each(geometries)('filter gradient, %s: same as cpu', async (_name, xShape, filterShape, dyShape, strides, pad) => {
    await expectSameAsCpu({
      kernel: tf.DepthwiseConv2dNativeBackpropFilter,
      inputs: { x: t(xShape, 7), dy: t(dyShape, 8) },
      attrs: { strides, pad, dilations: 1, filterShape },
    });
  });
  test.each(geometries)('input gradient, %s: same as cpu', async (_name, xShape, filterShape, dyShape, strides, pad) => {
    await expectSameAsCpu({
      kernel: tf.DepthwiseConv2dNativeBackpropInput,
      inputs: { dy: t(dyShape, 9), filter: t(filterShape, 10) },
      attrs: { strides, pad, dilations: 1, inputShape: xShape },
    });
  });

  // tfjs-backend-cpu ignores dilations in these kernels, so the reference here is the adjoint.
  const x = t([1, 6, 6, 2], 11);
  const w = t([2, 2, 2, 2], 12);
  const dy = values(1 * 4 * 4 * 4, 13);
  const attrs = { strides: 1, pad: 'valid', dilations: 2 };
  test('filter gradient with dilation 2 equals the adjoint of depthwiseConv2d', async () => {
    const run: KernelRun = { kernel: tf.DepthwiseConv2dNativeBackpropFilter, inputs: { x, dy: { shape: [1, 4, 4, 4], values: dy } }, attrs: { ...attrs, filterShape: w.shape } };
    const expected = await adjoint(w.shape, (f) => tf.depthwiseConv2d(const4d(x), f as tf.Tensor4D, 1, 'valid', 'NHWC', 2), dy);
    assertClose('filter gradient vs adjoint', (await runOn('wasm', run)).values, expected, 1e-5, 1e-4);
  });
  test('input gradient with dilation 2 equals the adjoint of depthwiseConv2d', async () => {
    const run: KernelRun = { kernel: tf.DepthwiseConv2dNativeBackpropInput, inputs: { dy: { shape: [1, 4, 4, 4], values: dy }, filter: w }, attrs: { ...attrs, inputShape: x.shape } };
    const expected = await adjoint(x.shape, (u) => tf.depthwiseConv2d(u as tf.Tensor4D, const4d(w), 1, 'valid', 'NHWC', 2), dy);
    assertClose('input gradient vs adjoint', (await runOn('wasm', run)).values, expected, 1e-5, 1e-4);
  });
});

describe('MaxPoolGrad', () => {
  // Negative values make all-negative windows, which the native kernel gets wrong.
  const geometries: Array<[string, number[], number, number, string]> = [
    ['2x2 stride 2 valid', [2, 4, 4, 3], 2, 2, 'valid'],
    ['3x3 stride 2 same', [1, 5, 5, 2], 3, 2, 'same'],
    ['3x3 stride 1 same', [2, 4, 3, 2], 3, 1, 'same'],
  ];
  test.each(geometries)('%s: same as cpu', async (_name, shape, filterSize, strides, pad) => {
    const x = t(shape, 14);
    const y = await runOn('cpu', { kernel: tf.MaxPool, inputs: { x }, attrs: { filterSize, strides, pad } });
    const dy = values(y.values.length, 15);
    await expectSameAsCpu({
      kernel: tf.MaxPoolGrad,
      inputs: { dy: { shape: y.shape, values: dy }, input: x, output: { shape: y.shape, values: Array.from(y.values) } },
      attrs: { filterSize, strides, pad },
    });
  });
  test("tfjs-backend-wasm's own MaxPoolGrad misroutes all-negative windows (why it is replaced)", async () => {
    await onBackend('wasm');
    nativeMaxPoolGrad.setupFunc?.(tf.backend()); // binds its C++ entry point; ours replaced it before the backend started
    const dx = tf.tidy(() => {
      const x = tf.tensor4d([-4, -3, -2, -1], [1, 2, 2, 1]); // one window, max -1 at offset 3
      const args = { inputs: { dy: tf.ones([1, 1, 1, 1]), input: x, output: tf.fill([1, 1, 1, 1], -1) }, backend: tf.backend(), attrs: { filterSize: 2, strides: 2, pad: 'valid' } };
      const native = nativeMaxPoolGrad.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
      const ours = tf.getKernel(tf.MaxPoolGrad, 'wasm').kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
      const read = (info: tf.TensorInfo) => Array.from(tf.engine().makeTensorFromTensorInfo(info).dataSync());
      return { native: read(native), ours: read(ours) };
    });
    expect(dx.ours).toEqual([0, 0, 0, 1]);
    expect(dx.native).not.toEqual([0, 0, 0, 1]);
  });
});
