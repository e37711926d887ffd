import * as tf from '@tensorflow/tfjs-core';
import { NotFoundError } from '../errors';
import { expectClose, onBackend } from '../../test/helpers';
import { Adam } from './adam';
import { AdamW } from './adamw';
import { createOptimizer } from './create-optimizer';
import { TrainingOptionError } from './errors';
import type { Optimizer } from './optimizer';
import { SGD } from './sgd';

beforeAll(() => onBackend('cpu'));

/**
 * Reference formulas, written out from PyTorch's documentation (torch.optim.Adam,
 * AdamW and SGD, single-tensor path, no amsgrad/maximize), in float64 on plain arrays.
 */
function referenceAdam(options: { beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean }) {
  let m: number[] | undefined;
  let v: number[] | undefined;
  let t = 0;
  return (p: number[], g0: number[], lr: number): number[] => {
    t += 1;
    m ??= p.map(() => 0);
    v ??= p.map(() => 0);
    const { beta1, beta2, eps, weightDecay, decoupled } = options;
    const param = decoupled ? p.map((x) => x * (1 - lr * weightDecay)) : [...p];
    const g = decoupled ? g0 : g0.map((x, i) => x + weightDecay * p[i]);
    m = m.map((mi, i) => beta1 * mi + (1 - beta1) * g[i]);
    v = v.map((vi, i) => beta2 * vi + (1 - beta2) * g[i] * g[i]);
    const bc1 = 1 - beta1 ** t;
    const bc2 = 1 - beta2 ** t;
    return param.map((x, i) => x - (lr / bc1) * ((m as number[])[i] / (Math.sqrt((v as number[])[i]) / Math.sqrt(bc2) + eps)));
  };
}

function referenceSgd(options: { momentum: number; dampening: number; nesterov: boolean; weightDecay: number }) {
  let buf: number[] | undefined;
  return (p: number[], g0: number[], lr: number): number[] => {
    const { momentum, dampening, nesterov, weightDecay } = options;
    let g = g0.map((x, i) => x + weightDecay * p[i]);
    if (momentum !== 0) {
      buf = buf === undefined ? [...g] : buf.map((b, i) => momentum * b + (1 - dampening) * g[i]);
      const b = buf;
      g = nesterov ? g.map((x, i) => x + momentum * b[i]) : [...b];
    }
    return p.map((x, i) => x - lr * g[i]);
  };
}

/** Runs the optimiser and the reference side by side for several steps with changing gradients and learning rates. */
function compare(optimizer: Optimizer, reference: (p: number[], g: number[], lr: number) => number[], steps = 6): void {
  const initial = [0.5, -1.25, 2, 0, 0.001, -3];
  const weight = tf.variable(tf.tensor2d(initial, [2, 3]));
  let expected = [...initial];
  for (let step = 0; step < steps; step++) {
    // Gradients of mixed sign and scale, one zero, changing every step.
    const g = initial.map((_, i) => (i === 3 ? 0 : Math.sin(1 + step * 3 + i * 1.7) * 10 ** ((i % 3) - 1)));
    const lr = 0.05 / (1 + step);
    const gradient = tf.tensor2d(g, [2, 3]);
    optimizer.applyGradients([{ name: 'w', variable: weight, gradient }], lr);
    gradient.dispose();
    expected = reference(expected, g, lr);
    expectClose(weight.dataSync(), expected, 1e-6, 1e-5);
  }
  weight.dispose();
  optimizer.dispose();
}

describe('optimisers follow PyTorch formulas', () => {
  test('Adam (bias-corrected moments)', () => {
    compare(new Adam(), referenceAdam({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false }));
  });

  test('Adam with L2 weight decay and other betas', () => {
    const options = { beta1: 0.8, beta2: 0.95, epsilon: 1e-6, weightDecay: 0.1 };
    compare(new Adam(options), referenceAdam({ ...options, eps: 1e-6, decoupled: false }));
  });

  test('AdamW (decoupled weight decay, PyTorch default 0.01)', () => {
    const adamw = new AdamW();
    expect(adamw.weightDecay).toBe(0.01);
    compare(adamw, referenceAdam({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true }));
    compare(new AdamW({ weightDecay: 0.5 }), referenceAdam({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.5, decoupled: true }));
  });

  test('SGD: plain, momentum, dampening, Nesterov, weight decay', () => {
    compare(new SGD(), referenceSgd({ momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }));
    compare(new SGD({ momentum: 0.9 }), referenceSgd({ momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 }));
    compare(new SGD({ momentum: 0.9, dampening: 0.3, weightDecay: 0.01 }), referenceSgd({ momentum: 0.9, dampening: 0.3, nesterov: false, weightDecay: 0.01 }));
    compare(new SGD({ momentum: 0.8, nesterov: true, weightDecay: 0.05 }), referenceSgd({ momentum: 0.8, dampening: 0, nesterov: true, weightDecay: 0.05 }));
  });
});

describe('optimiser state', () => {
  test('is created per parameter on its first update, with PyTorch slot names', () => {
    const a = tf.variable(tf.ones([2]));
    const b = tf.variable(tf.ones([3]));
    const adam = new Adam();
    const g = tf.ones([2]);
    adam.applyGradients([{ name: 'a', variable: a, gradient: g }]);
    expect(adam.parameterNames()).toEqual(['a']);
    expect(Object.keys(adam.getState().parameters.a.slots)).toEqual(['exp_avg', 'exp_avg_sq']);
    expect(adam.stateSize()).toBe(4);
    const sgd = new SGD({ momentum: 0.9 });
    sgd.applyGradients([{ name: 'a', variable: a, gradient: g }]);
    expect(Object.keys(sgd.getState().parameters.a.slots)).toEqual(['momentum_buffer']);
    const plain = new SGD();
    plain.applyGradients([{ name: 'a', variable: a, gradient: g }]);
    expect(plain.stateSize()).toBe(0);
    tf.dispose([a, b, g]);
    [adam, sgd, plain].forEach((o) => o.dispose());
  });

  test('getState / setState continue bit-identically', () => {
    const run = (split: boolean): Float32Array => {
      const w = tf.variable(tf.tensor1d([1, -2, 3]));
      let adam = new AdamW({ weightDecay: 0.1 });
      for (let step = 0; step < 6; step++) {
        if (split && step === 3) {
          const fresh = new AdamW({ weightDecay: 0.1 });
          fresh.setState(adam.getState());
          adam.dispose();
          adam = fresh;
        }
        const g = tf.tensor1d([Math.cos(step), step - 2, 0.5]);
        adam.applyGradients([{ name: 'w', variable: w, gradient: g }], 0.01 * (step + 1));
        g.dispose();
      }
      const out = Float32Array.from(w.dataSync());
      w.dispose();
      adam.dispose();
      return out;
    };
    expect(run(true)).toEqual(run(false));
  });

  test('a step leaves the tensor count unchanged once the state exists', () => {
    const w = tf.variable(tf.ones([4, 4]));
    const g = tf.fill([4, 4], 0.5);
    for (const optimizer of [new Adam({ weightDecay: 0.1 }), new AdamW(), new SGD({ momentum: 0.9, nesterov: true })]) {
      optimizer.applyGradients([{ name: 'w', variable: w, gradient: g }]);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) optimizer.applyGradients([{ name: 'w', variable: w, gradient: g }]);
      expect(tf.memory().numTensors).toBe(before);
      optimizer.dispose();
    }
    tf.dispose([w, g]);
  });

  test('refuses a gradient of the wrong shape and state of another optimiser', () => {
    const w = tf.variable(tf.ones([2]));
    const g = tf.ones([3]);
    const adam = new Adam();
    expect(() => adam.applyGradients([{ name: 'w', variable: w, gradient: g }])).toThrow(/expected shape \[2\], found \[3\]/);
    expect(() => new SGD().setState(adam.getState())).toThrow(TrainingOptionError);
    tf.dispose([w, g]);
  });
});

describe('typed errors for bad hyperparameters', () => {
  test.each([
    [() => new Adam({ learningRate: 0 }), /Adam learningRate: expected a positive finite number, found 0/],
    [() => new AdamW({ learningRate: -1e-3 }), /AdamW learningRate: expected a positive finite number, found -0.001/],
    [() => new Adam({ beta1: 1 }), /Adam beta1: expected a number in \[0, 1\), found 1/],
    [() => new Adam({ epsilon: NaN }), /epsilon: expected a finite number >= 0, found NaN/],
    [() => new SGD({ momentum: -0.5 }), /SGD momentum/],
    [() => new SGD({ nesterov: true }), /SGD nesterov: expected momentum > 0 and dampening 0/],
  ])('%#', (make, message) => {
    expect(make).toThrow(TrainingOptionError);
    expect(make).toThrow(message);
  });

  test('createOptimizer: names, configs, unknown names with suggestions', () => {
    expect(createOptimizer('adam')).toBeInstanceOf(Adam);
    expect(createOptimizer({ name: 'sgd', momentum: 0.9 }, 0.1)).toMatchObject({ momentum: 0.9, learningRate: 0.1 });
    expect(() => createOptimizer('adamm' as never)).toThrow(NotFoundError);
    expect(() => createOptimizer('adamm' as never)).toThrow("unknown optimizer \"adamm\": expected one of 'adam', 'adamw', 'sgd'. Closest names: adam");
    expect(() => createOptimizer({ name: 'adam', momentum: 0.9 } as never)).toThrow(/unknown option 'momentum'/);
    expect(() => createOptimizer({ name: 'adam', learningRate: 0.1 }, 0.2)).toThrow(TrainingOptionError);
  });
});
