import * as tf from '@tensorflow/tfjs-core';
import { NotFoundError, ShapeMismatchError } from '../errors';
import { expectClose, finiteDifferenceGradient, onBackend, TEST_BACKENDS } from '../../test/helpers';
import { functionalCall, withParameters } from './functional-call';
import { Linear } from './layers/linear';
import { Activation } from './layers/activations';
import { Sequential } from './layers/sequential';
import { manualSeed } from './random';

function mlp(): Sequential {
  manualSeed(7);
  return new Sequential(new Linear(3, 4), new Activation('tanh'), new Linear(4, 1));
}

const X = [
  [0.2, -0.4, 0.9],
  [1.0, 0.3, -0.7],
];

describe.each(TEST_BACKENDS)('functionalCall on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test('uses the given values, leaves the variables untouched, and restores after the call', () => {
    const model = mlp();
    const x = tf.tensor2d(X);
    const original = model.call(x).dataSync().slice();
    const newWeight = tf.fill([4, 3], 0.1);
    const replaced = functionalCall(model, { '0.weight': newWeight }, x).dataSync().slice();

    const reference = mlp();
    reference.getParameter('0.weight').assign(newWeight);
    expectClose(replaced, reference.call(x).dataSync());
    expectClose(model.call(x).dataSync(), original, 0, 0);
    tf.dispose([x, newWeight]);
    model.dispose();
    reference.dispose();
  });

  test('gradients reach the replacement tensors and match finite differences', () => {
    const model = mlp();
    const x = tf.tensor2d(X);
    const w0 = model.getParameter('0.weight').variable.dataSync().slice() as Float32Array;
    const loss = (w: tf.Tensor) => tf.sum(tf.square(functionalCall(model, { '0.weight': w }, x))) as tf.Scalar;
    const analytic = tf.tidy(() => tf.grad(loss)(tf.tensor(w0, [4, 3])).dataSync().slice());
    const numeric = finiteDifferenceGradient((v) => tf.tidy(() => loss(tf.tensor(v, [4, 3])).dataSync()[0]), w0);
    expectClose(analytic, numeric, 2e-3, 2e-2);
    tf.dispose(x);
    model.dispose();
  });

  test('second order: the gradient of a gradient matches finite differences of the gradient', () => {
    // The MAML shape: adapted = w - lr * dL/dw, outer loss at the adapted weights,
    // differentiated with respect to w through the inner gradient.
    const model = mlp();
    const x = tf.tensor2d(X);
    const lr = 0.3;
    const w0 = model.getParameter('2.weight').variable.dataSync().slice() as Float32Array;
    const innerLoss = (w: tf.Tensor) => tf.sum(tf.square(functionalCall(model, { '2.weight': w }, x))) as tf.Scalar;
    const outerLoss = (w: tf.Tensor) =>
      tf.tidy(() => {
        const adapted = tf.sub(w, tf.mul(lr, tf.grad(innerLoss)(w)));
        return tf.sum(tf.pow(functionalCall(model, { '2.weight': adapted }, x), 3)) as tf.Scalar;
      });
    const analytic = tf.tidy(() => tf.grad(outerLoss)(tf.tensor(w0, [1, 4])).dataSync().slice());
    const numeric = finiteDifferenceGradient((v) => tf.tidy(() => outerLoss(tf.tensor(v, [1, 4])).dataSync()[0]), w0, 1e-2);
    // The first-order approximation (gradient of the outer loss at the adapted point) differs,
    // so this test would fail if the inner gradient were treated as a constant.
    const firstOrder = tf.tidy(() => {
      const adapted = tf.sub(tf.tensor(w0, [1, 4]), tf.mul(lr, tf.grad(innerLoss)(tf.tensor(w0, [1, 4]))));
      return tf.grad((w: tf.Tensor) => tf.sum(tf.pow(functionalCall(model, { '2.weight': w }, x), 3)) as tf.Scalar)(adapted).dataSync().slice();
    });
    expectClose(analytic, numeric, 5e-3, 3e-2);
    expect(() => expectClose(firstOrder, numeric, 5e-3, 3e-2)).toThrow();
    tf.dispose(x);
    model.dispose();
  });

  test('calls nest: inner replacements add to outer ones', () => {
    const model = mlp();
    const x = tf.tensor2d(X);
    const a = tf.zeros([4, 3]);
    const b = tf.ones([1]);
    const nested = withParameters(model, { '0.weight': a }, () => functionalCall(model, { '2.bias': b }, x).dataSync().slice());
    const flat = functionalCall(model, { '0.weight': a, '2.bias': b }, x).dataSync().slice();
    expect(Array.from(nested)).toEqual(Array.from(flat));
    tf.dispose([x, a, b]);
    model.dispose();
  });
});

describe('functionalCall input checks', () => {
  beforeAll(() => onBackend('cpu'));

  test('a wrong shape or unknown name is a typed error, and nothing stays replaced', () => {
    const model = mlp();
    const x = tf.tensor2d(X);
    const before = model.call(x).dataSync().slice();
    expect(() => functionalCall(model, { '0.weight': tf.zeros([3, 4]) }, x)).toThrow(ShapeMismatchError);
    expect(() => functionalCall(model, { '0.weight': tf.zeros([3, 4]) }, x)).toThrow(/expected shape \[4, 3\], found \[3, 4\]/);
    expect(() => functionalCall(model, { '0.wieght': tf.zeros([4, 3]) }, x)).toThrow(NotFoundError);
    expect(() =>
      withParameters(model, { '0.weight': tf.zeros([4, 3]) }, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(Array.from(model.call(x).dataSync())).toEqual(Array.from(before));
    model.dispose();
  });
});
