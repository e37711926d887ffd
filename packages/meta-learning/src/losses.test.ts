import * as tf from '@tensorflow/tfjs-core';
import { expectClose, finiteDifferenceGradient, onBackend, tinyMlp } from '../test/helpers';
import { accuracy, crossEntropyLoss, mseLoss } from './losses';
import { metaGradients } from './meta-gradients';
import { disposeParameterMap } from './tensors';

beforeAll(() => onBackend('cpu'));

test('mseLoss and crossEntropyLoss give the textbook values', () => {
  const logits = tf.tensor2d([[2, -1, 0.5], [0.1, 0.2, 3], [-4, 5, 1]]);
  const labels = tf.tensor1d([0, 2, 0], 'int32');
  const reference = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 3), logits);
  expectClose(crossEntropyLoss(logits, labels).dataSync(), reference.dataSync(), 1e-5, 1e-5);
  expect(mseLoss(tf.tensor1d([1, 2]), tf.tensor1d([0, 4])).dataSync()[0]).toBeCloseTo(2.5, 6);
  expect(accuracy(logits, labels)).toBeCloseTo(2 / 3, 6);
});

test('second-order meta-gradients through crossEntropyLoss match finite differences', () => {
  const model = tinyMlp(11, [2, 3, 3]);
  const task = {
    support: { inputs: tf.tensor2d([[0.5, -1], [1, 0.3], [-0.7, 0.8]]), targets: tf.tensor1d([0, 1, 2], 'int32') },
    query: { inputs: tf.tensor2d([[0.2, 0.4], [-1, 0.5], [0.6, -0.6]]), targets: tf.tensor1d([2, 0, 1], 'int32') },
  };
  const paths = model.namedParameters().map(([p]) => p);
  const shapes = paths.map((p) => model.getParameter(p).shape);
  const at = (flat: Float32Array) => {
    let offset = 0;
    return new Map(paths.map((p, i) => {
      const size = tf.util.sizeFromShape(shapes[i]);
      offset += size;
      return [p, tf.tensor(flat.subarray(offset - size, offset), shapes[i])];
    }));
  };
  const theta = new Float32Array(paths.flatMap((p) => Array.from(model.getParameter(p).variable.dataSync())));
  const options = { loss: crossEntropyLoss, innerPaths: paths, innerSteps: 1, innerLearningRate: 1.0, firstOrder: false };
  const run = (flat: Float32Array) => {
    const values = at(flat);
    const result = metaGradients(model, values, [task], options);
    disposeParameterMap(values);
    return result;
  };
  const result = run(theta);
  const analytic = new Float32Array(paths.flatMap((p) => Array.from(result.parameters.get(p)!.dataSync())));
  const numeric = finiteDifferenceGradient((flat) => {
    const r = run(flat);
    disposeParameterMap(r.parameters);
    return r.loss;
  }, theta);
  expectClose(analytic, numeric, 2e-3, 3e-2);
  disposeParameterMap(result.parameters);
  model.dispose();
});
