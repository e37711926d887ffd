import * as tf from '@tensorflow/tfjs-core';
import { expectClose, finiteDifferenceGradient, onBackend, TEST_BACKENDS } from '../../../test/helpers';

/** d²f/dx² through tfjs' tape: a gradient of a gradient. */
function secondDerivative(f: (x: tf.Tensor) => tf.Tensor, at: number[]): number[] {
  return tf.tidy(() => Array.from(tf.grad((v: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.sum(f(u)) as tf.Scalar)(v))(tf.tensor1d(at)).dataSync()));
}

const xs = [-1.3, -0.2, 0.4, 1.1];
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describe.each(TEST_BACKENDS)('second-order gradients on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test.each([
    ['exp', (x: tf.Tensor) => tf.exp(x), (v: number) => Math.exp(v)],
    ['tanh', (x: tf.Tensor) => tf.tanh(x), (v: number) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)],
    ['sigmoid', (x: tf.Tensor) => tf.sigmoid(x), (v: number) => sigmoid(v) * (1 - sigmoid(v)) * (1 - 2 * sigmoid(v))],
    ['elu', (x: tf.Tensor) => tf.elu(x), (v: number) => (v > 0 ? 0 : Math.exp(v))],
    ['pow(x, 3)', (x: tf.Tensor) => tf.pow(x, tf.scalar(3)), (v: number) => 6 * v],
  ])('d²/dx² %s is exact (tfjs loses it: it differentiates the saved output)', (_name, f, expected) => {
    expectClose(secondDerivative(f, xs), xs.map(expected), 1e-4, 1e-3);
  });

  // Not tf.logSoftmax or tf.losses.softmaxCrossEntropy: those ops carry op-level
  // custom gradients written with the saved output, which no kernel gradient can
  // fix; second-order code must write its losses from differentiable ops.
  test.each([['softmax', (x: tf.Tensor) => tf.softmax(x)]])('the gradient of a gradient through %s matches finite differences', (_name, f) => {
    // g(x) = sum(w * d/dx sum(c * f(x))): its gradient needs f's second derivative.
    const c = tf.tensor2d([[0.3, -1.2, 0.8, 0.1]]);
    const w = tf.tensor2d([[1.0, 0.5, -0.7, 0.2]]);
    const g = (x: tf.Tensor) => tf.sum(tf.mul(w, tf.grad((u: tf.Tensor) => tf.sum(tf.mul(c, f(u))) as tf.Scalar)(x))) as tf.Scalar;
    const at = Float32Array.from([0.2, -0.5, 1.0, 0.3]);
    const analytic = tf.tidy(() => Array.from(tf.grad(g)(tf.tensor2d(at, [1, 4])).dataSync()));
    const numeric = finiteDifferenceGradient((v) => tf.tidy(() => g(tf.tensor2d(v, [1, 4])).dataSync()[0]), at, 1e-2);
    expectClose(analytic, numeric, 2e-3, 2e-2);
    tf.dispose([c, w]);
  });

  test('first-order gradients are unchanged: pow with a broadcast exponent', () => {
    const a = tf.tensor2d([[1.5, 2], [0.5, 3]]);
    const b = tf.tensor1d([2, 0.5]);
    const { grads } = tf.tidy(() => {
      const gr = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.pow(x, y)) as tf.Scalar)([a, b]);
      return { grads: gr.map((t) => Array.from(t.dataSync())) };
    });
    expectClose(grads[0], [2 * 1.5, 0.5 / Math.sqrt(2), 2 * 0.5, 0.5 / Math.sqrt(3)], 1e-5, 1e-4);
    expectClose(grads[1], [1.5 ** 2 * Math.log(1.5) + 0.5 ** 2 * Math.log(0.5), Math.sqrt(2) * Math.log(2) + Math.sqrt(3) * Math.log(3)], 1e-5, 1e-4);
    tf.dispose([a, b]);
  });
});
