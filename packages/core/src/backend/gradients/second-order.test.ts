/**
 * Gradients of gradients, as second-order MAML takes them: the outer loss is
 * evaluated after an inner gradient step, f(w) = outer(w - lr * grad inner(w)),
 * so its gradient runs through the backward kernels' own gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { analytic, assertClose, input, numeric, onBackend, sampleIndices, values, type GradientCase } from '../test-support/gradient-check';
import { weighted } from '../test-support/op-cases';

const LR = 0.5;

/** Loss after one inner SGD step on `inner`, scored by `outer`, as a function of the initial weights. */
function afterInnerStep(name: string, w: { shape: number[]; values: number[] }, inner: (w: tf.Tensor) => tf.Scalar, outer: (w: tf.Tensor) => tf.Scalar): GradientCase {
  return {
    name,
    inputs: [w],
    loss: (w0) => outer(tf.sub(w0, tf.mul(tf.scalar(LR), tf.grad(inner)(w0)))),
  };
}

function image(shape: number[], seed: number): tf.Tensor4D {
  const t: tf.Tensor = tf.tensor(values(tf.util.sizeFromShape(shape), seed), shape);
  return t as tf.Tensor4D;
}

const CASES: GradientCase[] = [
  afterInnerStep(
    'conv2d (through Conv2DBackpropFilter)',
    input([3, 3, 2, 2], values(36, 1, -0.5, 0.5)),
    (w) => tf.sum(tf.square(tf.conv2d(image([1, 5, 5, 2], 2), w as tf.Tensor4D, 2, 'same'))),
    (w) => weighted(tf.conv2d(image([1, 5, 5, 2], 3), w as tf.Tensor4D, 1, 'valid')),
  ),
  afterInnerStep(
    'conv2d input gradient inside the inner loss (through Conv2DBackpropInput)',
    input([2, 2, 2, 3], values(24, 4, -0.5, 0.5)),
    (w) => {
      const x = image([1, 4, 4, 2], 5);
      const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.square(tf.conv2d(xi as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'))))(x);
      return tf.sum(tf.square(dx));
    },
    (w) => weighted(w),
  ),
  afterInnerStep(
    'depthwiseConv2d (through both depthwise backprop kernels)',
    input([3, 3, 2, 2], values(36, 6, -0.5, 0.5)),
    (w) => tf.sum(tf.square(tf.depthwiseConv2d(image([1, 5, 5, 2], 7), w as tf.Tensor4D, 1, 'same'))),
    (w) => weighted(tf.depthwiseConv2d(image([1, 4, 4, 2], 8), w as tf.Tensor4D, 2, 'same')),
  ),
  afterInnerStep(
    'embedding lookup (through UnsortedSegmentSum)',
    input([5, 3], values(15, 9)),
    (table) => weighted(tf.square(tf.gather(table, tf.tensor1d([1, 3, 1, 4], 'int32'))), 10),
    (table) => weighted(tf.tanh(tf.gather(table, tf.tensor1d([1, 0, 3], 'int32'))), 11),
  ),
  afterInnerStep(
    'avgPool with same padding (through AvgPoolGrad)',
    input([1, 4, 4, 2], values(32, 12)),
    (x) => weighted(tf.square(tf.avgPool(x as tf.Tensor4D, 3, 1, 'same')), 13),
    (x) => weighted(tf.avgPool(tf.square(x) as tf.Tensor4D, 2, 2, 'valid'), 14),
  ),
  afterInnerStep(
    'attention block (matMul, softmax, layer norm, gelu)',
    input([4, 4], values(16, 15)),
    (w) => {
      const x = tf.tensor(values(12, 16), [3, 4]);
      const scores = tf.softmax(tf.matMul(tf.matMul(x, w), x, false, true));
      const h = tf.matMul(scores, x);
      const { mean, variance } = tf.moments(h, -1, true);
      return weighted(tf.erf(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, tf.scalar(1e-3))))), 17);
    },
    (w) => weighted(tf.sigmoid(w), 18),
  ),
];

describe.each(['cpu', 'wasm'] as const)('second-order gradients on %s match finite differences', (backend) => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await onBackend(backend);
    const before = tf.memory().numTensors;
    const { grads } = analytic(c);
    const indices = sampleIndices(c.inputs[0].values.length);
    await onBackend('cpu');
    assertClose(`${c.name} on ${backend}`, indices.map((i) => grads[0][i]), numeric(c, 0, indices), 3e-3, 3e-2);
    await onBackend(backend);
    expect(tf.memory().numTensors).toBe(before);
  });
});
