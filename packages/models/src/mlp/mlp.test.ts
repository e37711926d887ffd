import * as tf from '@tensorflow/tfjs-core';
import { manualSeed } from '@peftjs/core';
import { expectClose, finiteDifferencesAt, onBackend, pick, TEST_BACKENDS } from '../../test/helpers';
import { addRow, map, matmul, transpose, type Matrix } from '../../test/reference/math';
import { MLP } from './mlp';

describe.each(TEST_BACKENDS)('MLP on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test('is Linear/activation pairs addressed as in nn.Sequential, matching plain matrix products', () => {
    manualSeed(1);
    const mlp = new MLP({ inputSize: 4, hiddenSizes: [6, 5], outputSize: 2, activation: 'tanh' }).eval();
    expect(mlp.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']);
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 2);
    const layer = (i: number, h: Matrix) => addRow(matmul(h, transpose(mlp.getParameter(`${i}.weight`).variable.arraySync() as Matrix)), mlp.getParameter(`${i}.bias`).variable.arraySync() as number[]);
    const expected = layer(4, map(layer(2, map(layer(0, x.arraySync() as Matrix), Math.tanh)), Math.tanh));
    expectClose(mlp.call(x).dataSync(), expected.flat());
    x.dispose();
    mlp.dispose();
  });
});

test.each(TEST_BACKENDS)('MLP gradients match finite differences on %s, and dropout layers shift the indices', (backend) => {
  return onBackend(backend).then(() => {
    manualSeed(2);
    const mlp = new MLP({ inputSize: 3, hiddenSizes: [4], outputSize: 2, activation: 'gelu' });
    const x = tf.randomNormal([5, 3], 0, 1, 'float32', 4);
    const loss = () => tf.tidy(() => tf.sum(tf.square(mlp.call(x))) as tf.Scalar);
    const parameters = mlp.parameters();
    const { value, grads } = tf.variableGrads(loss, parameters.map((p) => p.variable));
    for (const p of parameters) {
      const indices = [...Array(p.size).keys()];
      expectClose(pick(grads[p.variable.name].dataSync(), indices), finiteDifferencesAt(p, indices, () => loss().dataSync()[0]), 1e-2, 1e-2);
    }
    tf.dispose([x, value, grads]);
    mlp.dispose();
    const withDropout = new MLP({ inputSize: 3, hiddenSizes: [4], outputSize: 2, dropout: 0.5 });
    expect(withDropout.namedModules().map(([path, m]) => `${path}:${m.constructor.name}`)).toEqual([':MLP', '0:Linear', '1:Activation', '2:Dropout', '3:Linear']);
    withDropout.dispose();
  });
});
