import * as tf from '@tensorflow/tfjs-core';
import { NotFoundError } from '@peftjs/core';
import { onBackend, regressionTask, snapshot, TEST_BACKENDS, tinyMlp } from '../test/helpers';
import { ANIL } from './algorithms/anil';
import { FirstOrderMAML } from './algorithms/first-order-maml';
import { MAML } from './algorithms/maml';
import { MetaSGD } from './algorithms/meta-sgd';
import { EmptyParameterSubsetError, MetaLearningOptionError, NonFiniteMetaLossError } from './errors';
import { mseLoss } from './losses';
import type { MetaLearner } from './meta-learner';
import { Adam, SGD } from '@peftjs/core';
import { disposeTask } from './tensors';

const batch = () => [
  regressionTask([[0.5, -1], [1, 0.3], [-0.7, 0.8]], [0.4, -0.2, 0.9], [[0.2, 0.2], [-1, 0.5]], [0.3, 0.8]),
  regressionTask([[1.2, 0.1], [-0.3, -0.9]], [-0.6, 0.7], [[0.9, -0.2], [-0.5, 0.1]], [-0.4, 0.5]),
];

const changed = (before: Map<string, Float32Array>, after: Map<string, Float32Array>) =>
  [...before].filter(([path, values]) => values.some((v, i) => v !== after.get(path)![i])).map(([path]) => path);

type Make = (model: ReturnType<typeof tinyMlp>) => MetaLearner;
const LEARNERS: Array<[string, Make]> = [
  ['MAML', (m) => new MAML(m, { loss: mseLoss, innerSteps: 2, innerLearningRate: 0.1 })],
  ['FirstOrderMAML', (m) => new FirstOrderMAML(m, { loss: mseLoss, innerSteps: 2, innerLearningRate: 0.1 })],
  ['MetaSGD', (m) => new MetaSGD(m, { loss: mseLoss, innerSteps: 2, innerLearningRate: 0.1 })],
  ['ANIL', (m) => new ANIL(m, { loss: mseLoss, head: '2', innerSteps: 2, innerLearningRate: 0.1 })],
];

describe.each(TEST_BACKENDS)('meta-steps on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test.each(LEARNERS)('%s: a meta-step leaks no tensors and lowers the meta-loss on a fixed batch', (_name, make) => {
    const model = tinyMlp();
    const learner = make(model);
    const tasks = batch();
    const first = learner.metaStep(tasks).loss; // creates the optimiser state
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 20; i++) last = learner.metaStep(tasks).loss;
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first);
    learner.dispose();
    tasks.forEach(disposeTask);
    model.dispose();
  });
});

describe('parameter subsets', () => {
  beforeAll(() => onBackend('cpu'));

  test('only the chosen subset changes: MAML over one layer, ANIL over the head with a frozen body', () => {
    const model = tinyMlp();
    const tasks = batch();
    const maml = new MAML(model, { loss: mseLoss, parameters: '0.weight' });
    let before = snapshot(model);
    maml.metaStep(tasks);
    expect(changed(before, snapshot(model))).toEqual(['0.weight']);
    maml.dispose();

    // ANIL meta-learns body and head by default; with the body frozen, only the head.
    const anil = new ANIL(model, { loss: mseLoss, head: '2' });
    before = snapshot(model);
    anil.metaStep(tasks);
    expect(changed(before, snapshot(model))).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    anil.dispose();
    for (const [path, p] of model.namedParameters()) p.trainable = path.startsWith('2');
    const frozenBody = new ANIL(model, { loss: mseLoss, head: '2.weight' });
    before = snapshot(model);
    frozenBody.metaStep(tasks);
    expect(frozenBody.innerPaths).toEqual(['2.weight']);
    expect(changed(before, snapshot(model))).toEqual(['2.weight', '2.bias']);
    frozenBody.dispose();
    tasks.forEach(disposeTask);
    model.dispose();
  });

  test('adapt returns new values for the inner subset, lowers the support loss and leaves the variables alone', () => {
    const model = tinyMlp();
    const learner = new MetaSGD(model, { loss: mseLoss, parameters: '2', innerLearningRate: 0.2 });
    const [task, other] = batch();
    const before = snapshot(model);
    const supportLoss = (out: tf.Tensor) => mseLoss(out, task.support.targets).dataSync()[0];
    const adapted = learner.adapt(task.support, 5);
    expect([...adapted.parameters.keys()]).toEqual(['2.weight', '2.bias']);
    expect(supportLoss(adapted.call(task.support.inputs))).toBeLessThan(supportLoss(model.call(task.support.inputs)));
    expect(changed(before, snapshot(model))).toEqual([]);
    const copy = tinyMlp();
    adapted.copyInto(copy);
    expect(Array.from(copy.call(task.support.inputs).dataSync())).toEqual(Array.from(adapted.call(task.support.inputs).dataSync()));
    adapted.dispose();
    expect(() => adapted.call(task.support.inputs)).toThrow(/after dispose/);
    [task, other].forEach(disposeTask);
    learner.dispose();
    model.dispose();
    copy.dispose();
  });
});

describe('the meta-optimiser', () => {
  beforeAll(() => onBackend('cpu'));

  test('is configurable: with SGD a meta-step moves θ by exactly -lr times the meta-gradient', () => {
    const model = tinyMlp();
    const tasks = batch();
    const learner = new MAML(model, { loss: mseLoss, innerSteps: 2, innerLearningRate: 0.1, metaOptimizer: new SGD({ learningRate: 0.5 }) });
    const gradients = learner.metaGradients(tasks);
    const expected = new Map([...gradients.parameters].map(([path, g]) => [path, tf.tidy(() => tf.sub(model.getParameter(path).variable, tf.mul(0.5, g))).dataSync()]));
    learner.metaStep(tasks);
    for (const [path, values] of expected) expect(Array.from(model.getParameter(path).variable.dataSync())).toEqual(Array.from(values));
    tf.dispose([...gradients.parameters.values()]);
    learner.dispose();
    tasks.forEach(disposeTask);
    model.dispose();
  });
});

describe('bad input', () => {
  beforeAll(() => onBackend('cpu'));

  test('a non-positive inner learning rate, bad step counts, empty or unknown subsets are typed errors', () => {
    const model = tinyMlp();
    for (const innerLearningRate of [0, -0.01, Number.NaN]) {
      expect(() => new MAML(model, { loss: mseLoss, innerLearningRate })).toThrow(MetaLearningOptionError);
    }
    expect(() => new MAML(model, { loss: mseLoss, innerLearningRate: -1 })).toThrow(/innerLearningRate: expected a positive finite number, found -1/);
    expect(() => new MAML(model, { loss: mseLoss, innerSteps: 0 })).toThrow(MetaLearningOptionError);
    expect(() => new MAML(model, { loss: mseLoss, parameters: [] })).toThrow(EmptyParameterSubsetError);
    expect(() => new MAML(model, { loss: mseLoss, parameters: () => false })).toThrow(EmptyParameterSubsetError);
    expect(() => new MAML(model, { loss: mseLoss, parameters: ['2.weight', 'lora_A'] })).toThrow(NotFoundError);
    expect(() => new ANIL(model, { loss: mseLoss, head: 'classifier' })).toThrow(NotFoundError);
    const learner = new MAML(model, { loss: mseLoss });
    expect(() => learner.metaStep([])).toThrow(MetaLearningOptionError);
    expect(() => learner.adapt(batch()[0].support, -1)).toThrow(MetaLearningOptionError);
    learner.dispose();
    model.dispose();
  });

  test.each([false, true])('a task that fails mid-batch leaves no tensors behind (firstOrder: %s)', (firstOrder) => {
    const model = tinyMlp();
    const learner = new MAML(model, { loss: mseLoss, firstOrder, innerSteps: 2 });
    const good = batch();
    const bad = regressionTask([[0, 0]], [1], [[1, 1, 1]], [0]); // query rows of the wrong width
    const before = tf.memory().numTensors;
    expect(() => learner.metaStep([...good, bad])).toThrow();
    expect(tf.memory().numTensors).toBe(before);
    [...good, bad].forEach(disposeTask);
    learner.dispose();
    model.dispose();
  });

  test('a non-finite meta-loss throws before anything is written', () => {
    const model = tinyMlp();
    const learner = new MAML(model, { loss: mseLoss, metaOptimizer: new Adam() });
    const tasks = [regressionTask([[0, 0]], [Number.NaN], [[1, 1]], [0])];
    const before = snapshot(model);
    expect(() => learner.metaStep(tasks)).toThrow(NonFiniteMetaLossError);
    expect(changed(before, snapshot(model))).toEqual([]);
    tasks.forEach(disposeTask);
    learner.dispose();
    model.dispose();
  });
});
