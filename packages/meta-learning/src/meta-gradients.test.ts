import * as tf from '@tensorflow/tfjs-core';
import { functionalCall, type Sequential } from '@peftjs/core';
import { expectClose, finiteDifferenceGradient, maxAbsDifference, onBackend, regressionTask, TEST_BACKENDS, tinyMlp } from '../test/helpers';
import { mseLoss } from './losses';
import { metaGradients, type MetaGradientOptions } from './meta-gradients';
import { disposeParameterMap, disposeTask } from './tensors';
import type { ParameterMap, Task } from './types';

// Two tasks on a 2-3-1 tanh network. A large inner rate makes the second-order term big.
function tasks(): Task[] {
  return [
    regressionTask([[0.5, -1], [1, 0.3], [-0.7, 0.8], [0.1, 0.9]], [0.4, -0.2, 0.9, 0.1], [[0.2, 0.2], [-1, 0.5], [0.6, -0.6]], [0.3, 0.8, -0.5]),
    regressionTask([[1.2, 0.1], [-0.3, -0.9], [0.4, 0.4]], [-0.6, 0.7, 0.2], [[0.9, -0.2], [-0.5, 0.1]], [-0.4, 0.5]),
  ];
}

/** Meta-parameter values as fresh tensors (not the variables): the function must be pure over any map. */
function valuesOf(model: Sequential, paths: readonly string[], flat?: Float32Array): Map<string, tf.Tensor> {
  let offset = 0;
  return new Map(
    paths.map((path) => {
      const parameter = model.getParameter(path);
      const values = flat ? flat.subarray(offset, offset + parameter.size) : parameter.variable.dataSync();
      offset += parameter.size;
      return [path, tf.tensor(values, parameter.shape)];
    }),
  );
}

function flatten(values: Iterable<tf.Tensor>): Float32Array {
  const parts = [...values].map((t) => t.dataSync());
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function metaLossAt(model: Sequential, paths: readonly string[], flat: Float32Array, batch: Task[], options: MetaGradientOptions<tf.Tensor, tf.Tensor>): number {
  const values = valuesOf(model, paths, flat);
  const result = metaGradients(model, values, batch, options);
  disposeParameterMap(values);
  disposeParameterMap(result.parameters);
  disposeParameterMap(result.learningRates);
  return result.loss;
}

const ALL = ['0.weight', '0.bias', '2.weight', '2.bias'];

describe.each(TEST_BACKENDS)('second-order meta-gradients on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test.each([
    ['MAML, two inner steps over every parameter', ALL, 2],
    ['ANIL: inner loop on the head, meta-gradient for the whole network', ['2.weight', '2.bias'], 2],
  ])('%s: match finite differences of the meta-loss', (_name, innerPaths, innerSteps) => {
    const model = tinyMlp();
    const batch = tasks();
    const options = { loss: mseLoss, innerPaths, innerSteps, innerLearningRate: 0.5, firstOrder: false };
    const values = valuesOf(model, ALL);
    const result = metaGradients(model, values, batch, options);
    const analytic = flatten(result.parameters.values());
    const numeric = finiteDifferenceGradient((flat) => metaLossAt(model, ALL, flat, batch, options), flatten(values.values()));
    expectClose(analytic, numeric, 3e-3, 3e-2);
    // And the first-order approximation is visibly different here, so the check has teeth.
    const firstOrder = metaGradients(model, values, batch, { ...options, firstOrder: true });
    expect(maxAbsDifference(flatten(firstOrder.parameters.values()), numeric)).toBeGreaterThan(0.02);
    for (const r of [result, firstOrder]) disposeParameterMap(r.parameters);
    disposeParameterMap(values);
    batch.forEach(disposeTask);
    model.dispose();
  });
});

describe('Meta-SGD meta-gradients', () => {
  beforeAll(() => onBackend('cpu'));

  test('the gradient with respect to the learned per-element rates matches finite differences', () => {
    const model = tinyMlp();
    const batch = tasks();
    const values = valuesOf(model, ALL);
    const rateAt = (flat: Float32Array) => valuesOf(model, ALL, flat);
    const start = new Float32Array(flatten(values.values()).length).map((_, i) => 0.2 + 0.03 * (i % 7));
    const options = (rates: ParameterMap) => ({ loss: mseLoss, innerPaths: ALL, innerSteps: 2, innerLearningRate: rates, firstOrder: false });
    const rates = rateAt(start);
    const result = metaGradients(model, values, batch, options(rates));
    const numeric = finiteDifferenceGradient((flat) => {
      const r = rateAt(flat);
      const out = metaGradients(model, values, batch, options(r));
      [r, out.parameters, out.learningRates].forEach(disposeParameterMap);
      return out.loss;
    }, start);
    expectClose(flatten(result.learningRates.values()), numeric, 3e-3, 3e-2);
    [rates, values, result.parameters, result.learningRates].forEach(disposeParameterMap);
    batch.forEach(disposeTask);
    model.dispose();
  });
});

describe('first-order Meta-SGD', () => {
  beforeAll(() => onBackend('cpu'));

  test('with one inner step its rate gradient is exact: θ\' = θ - α ⊙ g(θ) is linear in α', () => {
    const model = tinyMlp(8);
    const batch = tasks();
    const values = valuesOf(model, ALL);
    const rates = valuesOf(model, ALL, new Float32Array(13).map((_, i) => 0.1 + 0.02 * i));
    const options = { loss: mseLoss, innerPaths: ALL, innerSteps: 1, innerLearningRate: rates, firstOrder: false };
    const exact = metaGradients(model, values, batch, options);
    const firstOrder = metaGradients(model, values, batch, { ...options, firstOrder: true });
    expectClose(flatten(firstOrder.learningRates.values()), flatten(exact.learningRates.values()), 1e-6, 1e-4);
    expect(maxAbsDifference(flatten(firstOrder.parameters.values()), flatten(exact.parameters.values()))).toBeGreaterThan(1e-3);
    [values, rates, exact.parameters, exact.learningRates, firstOrder.parameters, firstOrder.learningRates].forEach(disposeParameterMap);
    batch.forEach(disposeTask);
    model.dispose();
  });
});

describe('first-order meta-gradients', () => {
  beforeAll(() => onBackend('cpu'));

  test('equal the second-order ones with the Hessian term dropped: SO = FO - α H_support(θ) FO', () => {
    // One inner step: θ' = θ - α ∇Ls(θ), so dLq(θ')/dθ = (I - α Hs(θ)) ∇Lq(θ'), and FO is ∇Lq(θ').
    const model = tinyMlp(5);
    const [task, other] = tasks();
    disposeTask(other);
    const alpha = 0.5;
    const values = valuesOf(model, ALL);
    const options = { loss: mseLoss, innerPaths: ALL, innerSteps: 1, innerLearningRate: alpha, firstOrder: false };
    const secondOrder = flatten(metaGradients(model, values, [task], options).parameters.values());
    const firstOrderResult = metaGradients(model, values, [task], { ...options, firstOrder: true });
    const firstOrder = flatten(firstOrderResult.parameters.values());

    // Hs·v by central differences of the support gradient, independent of the code under test.
    const supportGradient = (flat: Float32Array) =>
      tf.tidy(() => {
        const xs = [...valuesOf(model, ALL, flat).values()];
        const loss = (...ws: tf.Tensor[]) => mseLoss(functionalCall(model, new Map(ALL.map((p, i) => [p, ws[i]])), task.support.inputs), task.support.targets);
        return flatten(tf.grads(loss)(xs));
      });
    const theta = flatten(values.values());
    const epsilon = 1e-3;
    const plus = supportGradient(theta.map((v, i) => v + epsilon * firstOrder[i]));
    const minus = supportGradient(theta.map((v, i) => v - epsilon * firstOrder[i]));
    const expected = firstOrder.map((g, i) => g - (alpha * (plus[i] - minus[i])) / (2 * epsilon));

    expectClose(secondOrder, expected, 1e-3, 1e-2);
    expect(maxAbsDifference(secondOrder, firstOrder)).toBeGreaterThan(0.05);
    disposeParameterMap(values);
    disposeParameterMap(firstOrderResult.parameters);
    disposeTask(task);
    model.dispose();
  });
});
