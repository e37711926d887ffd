import * as tf from '@tensorflow/tfjs-core';
import { manualSeed } from '@peftjs/core';
import { expectClose, finiteDifferencesAt, onBackend, pick, TEST_BACKENDS } from '../../test/helpers';
import { conv2dRef, maxPoolRef, samePadding, type Image } from '../../test/reference/conv';
import { SmallCNN } from './small-cnn';

function reference(cnn: SmallCNN, image: Image): number[] {
  let x = image;
  for (const index of [0, 3]) {
    const weight = cnn.getParameter(`${index}.weight`).variable.arraySync() as number[][][][];
    const bias = cnn.getParameter(`${index}.bias`).variable.arraySync() as number[];
    x = conv2dRef(x, weight, bias, { stride: [1, 1], dilation: [1, 1], pad: [...samePadding(x.length, 3, 1), ...samePadding(x[0].length, 3, 1)] });
    x = maxPoolRef(x.map((row) => row.map((pixel) => pixel.map((v) => Math.max(0, v)))), 2);
  }
  const flat = x.flat(2);
  const w = cnn.getParameter('7.weight').variable.arraySync() as number[][];
  const b = cnn.getParameter('7.bias').variable.arraySync() as number[];
  return w.map((row, o) => row.reduce((s, v, i) => s + v * flat[i], b[o]));
}

describe.each(TEST_BACKENDS)('SmallCNN on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test('conv, relu, pool twice, flatten (h, w, c order) and a classifier, as plain loops compute them', () => {
    manualSeed(3);
    const cnn = new SmallCNN({ inputShape: [9, 8, 2], channels: [3, 4], numClasses: 5 });
    expect(cnn.namedModules().map(([p, m]) => `${p}:${m.constructor.name}`).slice(1)).toEqual([
      '0:Conv2D', '1:Activation', '2:MaxPool2D', '3:Conv2D', '4:Activation', '5:MaxPool2D', '6:Flatten', '7:Linear',
    ]);
    expect(cnn.getParameter('7.weight').shape).toEqual([5, 2 * 2 * 4]);
    const x = tf.randomNormal([2, 9, 8, 2], 0, 1, 'float32', 5);
    const y = cnn.call(x);
    expect(y.shape).toEqual([2, 5]);
    const images = x.arraySync() as Image[];
    expectClose(y.dataSync(), [...reference(cnn, images[0]), ...reference(cnn, images[1])], 1e-4, 1e-4);
    tf.dispose([x, y]);
    cnn.dispose();
  });
});

test.each(TEST_BACKENDS)('SmallCNN gradients match finite differences on %s', async (backend) => {
  await onBackend(backend);
  manualSeed(4);
  const cnn = new SmallCNN({ inputShape: [6, 6, 1], channels: [2, 3], numClasses: 2 });
  const x = tf.randomNormal([2, 6, 6, 1], 0, 1, 'float32', 6);
  const loss = () => tf.tidy(() => tf.sum(tf.mul(cnn.call(x), tf.tensor1d([1, -2]))) as tf.Scalar);
  const parameters = cnn.parameters();
  const { value, grads } = tf.variableGrads(loss, parameters.map((p) => p.variable));
  for (const p of parameters) {
    const indices = [0, 3, Math.floor(p.size / 2), p.size - 1].filter((i) => i < p.size);
    expectClose(pick(grads[p.variable.name].dataSync(), indices), finiteDifferencesAt(p, indices, () => loss().dataSync()[0], 1e-3), 2e-2, 2e-2);
  }
  tf.dispose([x, value, grads]);
  cnn.dispose();
});
