import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, manualSeed, ShapeMismatchError } from '@peftjs/core';
import { expectClose, finiteDifferencesAt, onBackend, pick, TEST_BACKENDS } from '../../test/helpers';
import { conv2dRef, samePadding, type Image } from '../../test/reference/conv';
import { Conv1D } from './conv1d';
import { Conv2D } from './conv2d';

function randomImage(seed: number, h: number, w: number, c: number): tf.Tensor4D {
  return tf.randomNormal([1, h, w, c], 0, 1, 'float32', seed) as tf.Tensor4D;
}

describe.each(TEST_BACKENDS)('Conv2D and Conv1D on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test.each([
    ['symmetric padding 1, stride 1', { padding: 1, stride: 1, dilation: 1 }, 3],
    ["'same' with stride 2 (the odd pad at the end)", { padding: 'same', stride: 2, dilation: 1 }, 3],
    ["'valid' with dilation 2 and a 2x3 kernel", { padding: 'valid', stride: 1, dilation: 2 }, [2, 3]],
    ['padding [0, 2], stride [2, 1]', { padding: [0, 2], stride: [2, 1], dilation: 1 }, 3],
  ] as const)('NHWC convolution with [out, in, kh, kw] weights matches loops: %s', (_, geometry, kernel) => {
    manualSeed(8);
    const conv = new Conv2D(3, 4, kernel, geometry);
    expect(conv.weight.shape).toEqual([4, 3, ...(typeof kernel === 'number' ? [kernel, kernel] : kernel)]);
    const x = randomImage(1, 7, 6, 3);
    const y = conv.call(x);
    const [kh, kw] = conv.kernelSize;
    const pad: [number, number, number, number] =
      geometry.padding === 'same'
        ? [...samePadding(7, kh, conv.stride[0], conv.dilation[0]), ...samePadding(6, kw, conv.stride[1], conv.dilation[1])]
        : geometry.padding === 'valid'
          ? [0, 0, 0, 0]
          : [conv.padding[0] as number, conv.padding[0] as number, conv.padding[1] as number, conv.padding[1] as number];
    const expected = conv2dRef((x.arraySync() as Image[])[0], conv.weight.variable.arraySync() as number[][][][], conv.bias!.variable.arraySync() as number[], {
      stride: conv.stride,
      dilation: conv.dilation,
      pad,
    });
    expect(y.shape).toEqual([1, expected.length, expected[0].length, 4]);
    expectClose(y.dataSync(), expected.flat(2), 1e-4, 1e-4);
    tf.dispose([x, y]);
    conv.dispose();
  });

  test('Conv1D stores [in, out] (GPT-2 layout) and computes x W + b', () => {
    const layer = new Conv1D(2, 3);
    expect(layer.weight.shape).toEqual([2, 3]);
    expect([layer.inFeatures, layer.outFeatures]).toEqual([2, 3]);
    layer.weight.assign(tf.tensor2d([[1, 2, 3], [4, 5, 6]]));
    layer.bias.assign(tf.tensor1d([0.5, 0, -1]));
    const y = layer.call(tf.tensor3d([[[1, 1]], [[2, -1]]]));
    expect(y.shape).toEqual([2, 1, 3]);
    expectClose(y.dataSync(), [5.5, 7, 8, -1.5, -1, -1]);
    layer.dispose();
  });
});

describe.each(TEST_BACKENDS)('Conv2D gradients on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test('gradients of weight, bias and input match finite differences', () => {
    manualSeed(9);
    const conv = new Conv2D(2, 3, 3, { padding: 'same', stride: 2 });
    const x = tf.variable(randomImage(2, 5, 5, 2));
    const c = tf.randomNormal([1, 3, 3, 3], 0, 1, 'float32', 3);
    const loss = () => tf.tidy(() => tf.sum(tf.mul(conv.call(x), c)) as tf.Scalar);
    const { value, grads } = tf.variableGrads(loss, [conv.weight.variable, conv.bias!.variable, x]);
    for (const [variable, indices] of [[conv.weight.variable, [0, 7, 30, 53]], [conv.bias!.variable, [0, 1, 2]], [x, [0, 12, 33, 49]]] as const) {
      expectClose(pick(grads[variable.name].dataSync(), indices), finiteDifferencesAt({ variable }, indices, () => loss().dataSync()[0]), 1e-2, 1e-2);
    }
    tf.dispose([x, c, value, grads]);
    conv.dispose();
  });

});

describe('Conv2D bad input', () => {
  beforeAll(() => onBackend('cpu'));

  test('channels on the wrong axis and bad sizes are typed errors', () => {
    const conv = new Conv2D(3, 4, 3);
    expect(conv.inFeatures).toBe(3);
    expect(conv.outFeatures).toBe(4);
    expect(() => conv.call(tf.zeros([1, 3, 8, 8]))).toThrow(ShapeMismatchError);
    expect(() => conv.call(tf.zeros([1, 3, 8, 8]))).toThrow(/NHWC.*expected shape \[\?, \?, \?, 3\], found \[1, 3, 8, 8\]/);
    expect(() => new Conv2D(3, 0, 3)).toThrow(InvalidArgumentError);
    expect(() => new Conv2D(3, 4, 3, { stride: 0 })).toThrow(InvalidArgumentError);
    conv.dispose();
  });
});
