/**
 * The gradient registry itself: registration, precedence of gradients registered
 * by others, cases refused with a typed error, and the avgPool correction.
 * Correctness of each gradient is checked op by op in ../training-ops.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { UnsupportedGradientError } from '../errors';
// Imports src/register-gradients.ts: tfjs-core's own gradients are registered first, as in the package.
import { onBackend } from '../test-support/gradient-check';
import { registerGradients, TRAINING_GRADIENTS } from './index';

// tfjs-core's own definitions, straight from its files (the registry holds ours by now).
import { batchMatMulGradConfig as tfjsMatMul } from '@tensorflow/tfjs-core/dist/gradients/BatchMatMul_grad';
import { prodGradConfig as tfjsProd } from '@tensorflow/tfjs-core/dist/gradients/Prod_grad';

test('replace tfjs-core gradients at import for the kernels they define, keep the others, once', () => {
  expect(new Set(TRAINING_GRADIENTS.map((g) => g.kernelName)).size).toBe(TRAINING_GRADIENTS.length);
  for (const config of TRAINING_GRADIENTS) expect(tf.getGradient(config.kernelName)).toBe(config);
  expect(tf.getGradient(tf.Prod)).toBe(tfjsProd);
  expect(registerGradients()).toEqual([]);
});

test("tfjs-core's BatchMatMul gradient fails on a broadcast weight (why it is replaced)", async () => {
  await onBackend('cpu');
  const lossOfWeight = () => tf.tidy(() => tf.grad((w: tf.Tensor) => tf.sum(tf.matMul(tf.ones([2, 3, 4]), w)))(tf.ones([4, 2])).shape);
  const ours = tf.getGradient(tf.BatchMatMul);
  tf.unregisterGradient(tf.BatchMatMul);
  tf.registerGradient(tfjsMatMul);
  try {
    expect(lossOfWeight).toThrow(/does not match the shape of the input/);
  } finally {
    tf.unregisterGradient(tf.BatchMatMul);
    tf.registerGradient(ours);
  }
  expect(lossOfWeight()).toEqual([4, 2]);
});

describe('refused with UNSUPPORTED_GRADIENT rather than computed wrong', () => {
  beforeAll(async () => {
    await onBackend('cpu');
  });
  const x = () => tf.ones([1, 5, 5, 2]) as tf.Tensor4D;
  const cases: Array<[string, (t: tf.Tensor) => tf.Scalar, () => tf.Tensor, string]> = [
    ['conv2d with dilation 2', (w) => tf.sum(tf.conv2d(x(), w as tf.Tensor4D, 1, 'same', 'NHWC', 2)), () => tf.ones([2, 2, 2, 1]), tf.Conv2D],
    ['depthwiseConv2d with dilation 2 (the cpu backprop kernels ignore dilation)', (w) => tf.sum(tf.depthwiseConv2d(x(), w as tf.Tensor4D, 1, 'same', 'NHWC', 2)), () => tf.ones([2, 2, 2, 1]), tf.DepthwiseConv2dNative],
    ['gather with batchDims 1', (t) => tf.sum(tf.gather(t, tf.tensor2d([[0], [1]], [2, 1], 'int32'), 1, 1)), () => tf.ones([2, 3]), tf.GatherV2],
  ];
  test.each(cases)('%s', (_name, f, make, kernel) => {
    const run = () => tf.tidy(() => tf.grad(f)(make()));
    expect(run).toThrow(UnsupportedGradientError);
    expect(run).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_GRADIENT', kernel }));
    expect(run).toThrow(/only/);
  });
});

test('avgPool with same padding: corrects the window counts tfjs AvgPoolGrad ignores', async () => {
  await onBackend('cpu');
  const [kernelCorner, ours] = tf.tidy(() => {
    const ones = tf.ones([1, 3, 3, 1]);
    const kernel = tf.engine().runKernel(tf.AvgPoolGrad, { dy: ones, input: ones }, { filterSize: 3, strides: 1, pad: 'same' }) as tf.Tensor;
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.avgPool(t as tf.Tensor4D, 3, 1, 'same')))(ones);
    return [kernel.dataSync()[0], Array.from(grad.dataSync())];
  });
  // The corner pixel is in 4 windows, holding 4, 6, 6 and 9 pixels: 1/4 + 1/6 + 1/6 + 1/9.
  const corner = 1 / 4 + 1 / 6 + 1 / 6 + 1 / 9;
  expect(kernelCorner).toBeCloseTo(4 / 9, 5);
  expect(ours[0]).toBeCloseTo(corner, 5);
  // The centre is in all 9 windows: four of 4 pixels, four of 6, one of 9.
  expect(ours[4]).toBeCloseTo(4 / 4 + 4 / 6 + 1 / 9, 5);
});
