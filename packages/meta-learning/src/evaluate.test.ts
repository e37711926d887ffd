import * as tf from '@tensorflow/tfjs-core';
import { functionalCall } from '@peftjs/core';
import { onBackend, regressionTask, tinyMlp } from '../test/helpers';
import { MetaLearningOptionError } from './errors';
import { evaluateAdaptation } from './evaluate';
import { innerLoop } from './inner-loop';
import { mseLoss } from './losses';
import { meanWithInterval } from './statistics';
import { disposeParameterMap, disposeTask } from './tensors';

beforeAll(() => onBackend('cpu'));

test('meanWithInterval: mean and 1.96 standard errors', () => {
  const { mean, ci95, count } = meanWithInterval([1, 2, 3, 4]);
  expect(mean).toBe(2.5);
  expect(count).toBe(4);
  expect(ci95).toBeCloseTo((1.96 * Math.sqrt(5 / 3)) / 2, 10);
});

test('evaluateAdaptation reports the query loss before and after k steps, as adapting k steps and measuring would', () => {
  const model = tinyMlp();
  const tasks = [
    regressionTask([[0.5, -1], [1, 0.3]], [0.4, -0.2], [[0.2, 0.2], [-1, 0.5]], [0.3, 0.8]),
    regressionTask([[1.2, 0.1], [-0.3, -0.9]], [-0.6, 0.7], [[0.9, -0.2]], [-0.4]),
  ];
  const paths = ['2.weight', '2.bias'];
  const before = tf.memory().numTensors;
  const curve = evaluateAdaptation(model, tasks, { loss: mseLoss, paths, learningRate: 0.3, steps: [3, 0, 1] });
  expect(tf.memory().numTensors).toBe(before);
  expect(curve.map((c) => c.steps)).toEqual([0, 1, 3]);
  tasks.forEach((task, t) => {
    const start = new Map(paths.map((p) => [p, model.getParameter(p).variable as tf.Tensor]));
    const { adapted } = innerLoop(model, start, task.support, { loss: mseLoss, steps: 3, learningRate: 0.3 });
    const expected = mseLoss(functionalCall(model, adapted, task.query.inputs), task.query.targets).dataSync()[0];
    expect(curve[2].losses[t]).toBeCloseTo(expected, 6);
    expect(curve[0].losses[t]).toBeCloseTo(mseLoss(model.call(task.query.inputs), task.query.targets).dataSync()[0], 6);
    disposeParameterMap(adapted);
  });
  expect(() => evaluateAdaptation(model, tasks, { loss: mseLoss, paths, learningRate: 0.3, steps: [] })).toThrow(MetaLearningOptionError);
  expect(() => evaluateAdaptation(model, tasks, { loss: mseLoss, paths, learningRate: 0, steps: [1] })).toThrow(MetaLearningOptionError);
  tasks.forEach(disposeTask);
  model.dispose();
});
