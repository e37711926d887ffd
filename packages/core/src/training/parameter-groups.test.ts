import * as tf from '@tensorflow/tfjs-core';
import { onBackend } from '../../test/helpers';
import { Adam } from './adam';
import { AdamW } from './adamw';
import { createOptimizer } from './create-optimizer';
import { TrainingOptionError } from './errors';
import type { Optimizer } from './optimizer';
import { SGD } from './sgd';

beforeAll(() => onBackend('cpu'));

const START = { a: [0.5, -1, 2], b: [1.5, 0.25, -0.75] };
const GRADIENTS = [
  { a: [0.1, -0.2, 0.3], b: [-0.4, 0.5, 0.05] },
  { a: [0.2, 0.1, -0.3], b: [0.3, -0.1, 0.2] },
];

/** Runs two steps (the second at a scheduled rate) and returns each parameter's values. */
function run(optimizer: Optimizer, names: readonly ('a' | 'b')[] = ['a', 'b'], scheduled = 0.5): Record<string, number[]> {
  const variables = Object.fromEntries(names.map((name) => [name, tf.variable(tf.tensor1d(START[name]))]));
  GRADIENTS.forEach((step, i) => {
    const gradients = names.map((name) => tf.tensor1d(step[name]));
    const rate = i === 0 ? optimizer.learningRate : optimizer.learningRate * scheduled;
    optimizer.applyGradients(names.map((name, k) => ({ name, variable: variables[name], gradient: gradients[k] })), rate);
    tf.dispose(gradients);
  });
  const values = Object.fromEntries(names.map((name) => [name, Array.from(variables[name].dataSync())]));
  tf.dispose(Object.values(variables));
  optimizer.dispose();
  return values;
}

describe('parameter groups', () => {
  test.each([
    ['adam', (o: object) => new Adam(o)],
    ['adamw', (o: object) => new AdamW(o)],
    ['sgd', (o: object) => new SGD({ momentum: 0.9, ...o })],
  ] as const)('%s: a grouped parameter steps exactly as an optimiser of the group settings would, schedule included', (_name, make) => {
    const grouped = run(make({ learningRate: 0.01, weightDecay: 0.1, parameterGroups: [{ parameters: ['b'], learningRate: 0.16, weightDecay: 0 }] }));
    const asGroup = run(make({ learningRate: 0.16, weightDecay: 0 }), ['b']);
    const asBase = run(make({ learningRate: 0.01, weightDecay: 0.1 }), ['a']);
    expect(grouped.b).toEqual(asGroup.b);
    expect(grouped.a).toEqual(asBase.a);
    // The group is not a no-op.
    expect(grouped.b).not.toEqual(run(make({ learningRate: 0.01, weightDecay: 0.1 }), ['b']).b);
  });

  test('a predicate selects by name; the first matching group wins', () => {
    const values = run(new SGD({ learningRate: 0.1, parameterGroups: [{ parameters: (n) => n === 'a', learningRate: 1 }, { parameters: ['a', 'b'], learningRate: 2 }] }), ['a', 'b'], 1);
    // Plain SGD: x - lr * (g1 + g2).
    expect(values.a).toEqual(START.a.map((x, i) => Math.fround(Math.fround(x - 1 * GRADIENTS[0].a[i]) - 1 * GRADIENTS[1].a[i])));
    expect(values.b[0]).toBeCloseTo(START.b[0] - 2 * (GRADIENTS[0].b[0] + GRADIENTS[1].b[0]), 6);
  });

  test('createOptimizer takes parameterGroups; bad groups are typed errors naming the group', () => {
    expect(createOptimizer({ name: 'adamw', learningRate: 1e-3, parameterGroups: [{ parameters: ['x'], learningRate: 1e-2 }] })).toBeInstanceOf(AdamW);
    expect(() => new Adam({ parameterGroups: {} as never })).toThrow(TrainingOptionError);
    expect(() => new Adam({ parameterGroups: [{ parameters: [1] as never }] })).toThrow(/parameterGroups\[0\]\.parameters/);
    expect(() => new Adam({ parameterGroups: [{ parameters: ['x'] }, { parameters: ['y'], learningRate: -1 }] })).toThrow(/parameterGroups\[1\]\.learningRate/);
    expect(() => new SGD({ parameterGroups: [{ parameters: ['x'], weightDecay: Number.NaN }] })).toThrow(/weightDecay/);
  });
});
