import * as tf from '@tensorflow/tfjs-core';
import { NotFoundError } from './errors';
import { onBackend } from '../test/helpers';
import { freeze, markOnlyTrainable, trainableParameters, unfreeze } from './freeze';
import { Linear } from './nn/layers/linear';
import { LayerNorm } from './nn/layers/layer-norm';
import { Sequential } from './nn/layers/sequential';
import { manualSeed } from './nn/random';

function model(): Sequential {
  manualSeed(2);
  return new Sequential(new Sequential(new Linear(3, 4), new LayerNorm(4)), new Linear(4, 2));
}

const trainablePaths = (m: Sequential) => trainableParameters(m).map(([p]) => p);

beforeAll(() => onBackend('cpu'));

describe('freezing', () => {
  test('freeze and unfreeze by exact path, module prefix, suffix, glob and RegExp', () => {
    const m = model();
    freeze(m);
    expect(trainablePaths(m)).toEqual([]);
    expect(unfreeze(m, '1')).toEqual(['1.weight', '1.bias']);
    freeze(m);
    unfreeze(m, 'bias');
    expect(trainablePaths(m)).toEqual(['0.0.bias', '0.1.bias', '1.bias']);
    freeze(m);
    unfreeze(m, '0.*.weight');
    expect(trainablePaths(m)).toEqual(['0.0.weight', '0.1.weight']);
    freeze(m);
    unfreeze(m, '**.weight');
    expect(trainablePaths(m)).toEqual(['0.0.weight', '0.1.weight', '1.weight']);
    freeze(m);
    unfreeze(m, [/^0\.1\./, '1.weight']);
    expect(trainablePaths(m)).toEqual(['0.1.weight', '0.1.bias', '1.weight']);
    m.dispose();
  });

  test('a pattern that matches nothing is a NotFoundError naming close paths, and changes nothing', () => {
    const m = model();
    freeze(m);
    expect(() => unfreeze(m, ['1.weight', '1.wieght'])).toThrow(NotFoundError);
    expect(() => unfreeze(m, '1.wieght')).toThrow(/pattern 1\.wieght matches no parameter.*1\.weight/);
    expect(trainablePaths(m)).toEqual([]);
    // A suffix matches on segment boundaries, as peft's target_modules do: '1.bias' is also the end of '0.1.bias'.
    unfreeze(m, '1.bias');
    expect(trainablePaths(m)).toEqual(['0.1.bias', '1.bias']);
    expect(() => markOnlyTrainable(m, 'nothing')).toThrow(NotFoundError);
    expect(trainablePaths(m)).toEqual(['0.1.bias', '1.bias']);
    expect(() => markOnlyTrainable(m, () => false)).toThrow(/predicate matches no parameter/);
    expect(trainablePaths(m)).toEqual(['0.1.bias', '1.bias']);
    m.dispose();
  });

  test('markOnlyTrainable takes patterns or a predicate', () => {
    const m = model();
    markOnlyTrainable(m, '0.1');
    expect(trainablePaths(m)).toEqual(['0.1.weight', '0.1.bias']);
    markOnlyTrainable(m, (path, p) => p.shape.length === 2 && path.startsWith('1'));
    expect(trainablePaths(m)).toEqual(['1.weight']);
    m.dispose();
  });

  test('the flags are what tfjs optimisers see: minimize() without a var list updates only trainable parameters', () => {
    const m = model();
    markOnlyTrainable(m, '1');
    const before = new Map(m.namedParameters().map(([path, p]) => [path, p.variable.dataSync().slice()]));
    const x = tf.tensor2d([[1, -1, 0.5]]);
    const optimizer = tf.train.sgd(0.1);
    optimizer.minimize(() => tf.sum(tf.square(m.call(x))) as tf.Scalar);
    for (const [path, p] of m.namedParameters()) {
      const changed = Array.from(p.variable.dataSync()).some((v, i) => v !== before.get(path)![i]);
      expect([path, changed]).toEqual([path, path.startsWith('1.')]);
    }
    optimizer.dispose();
    x.dispose();
    m.dispose();
  });
});
