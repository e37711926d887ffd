import * as tf from '@tensorflow/tfjs-core';
import { NotFoundError } from './errors';
import { onBackend } from '../test/helpers';
import { countParameters, formatTrainableParameters, printTrainableParameters } from './accounting';
import { markOnlyTrainable } from './freeze';
import { Embedding } from './nn/layers/embedding';
import { Linear } from './nn/layers/linear';
import { Sequential } from './nn/layers/sequential';
import { Module } from './nn/module';

beforeAll(() => onBackend('cpu'));

describe('parameter accounting', () => {
  test('counts trainable and total parameters, bytes, and a per-module breakdown', () => {
    const m = new Sequential(new Linear(10, 20), new Sequential(new Linear(20, 5)));
    markOnlyTrainable(m, '1.0');
    const count = countParameters(m);
    expect(count.total).toBe(10 * 20 + 20 + 20 * 5 + 5);
    expect(count.trainable).toBe(105);
    expect(count.trainableShare).toBeCloseTo(105 / 325, 12);
    expect(count.totalBytes).toBe(325 * 4);
    expect(count.trainableBytes).toBe(105 * 4);
    expect(count.bytesByDtype).toEqual({ float32: 1300 });
    expect(count.modules).toEqual([
      { path: '', type: 'Sequential', trainable: 105, total: 325 },
      { path: '0', type: 'Linear', trainable: 0, total: 220 },
      { path: '1', type: 'Sequential', trainable: 105, total: 105 },
      { path: '1.0', type: 'Linear', trainable: 105, total: 105 },
    ]);
    m.dispose();
  });

  test('optimizer state: Adam keeps two float32 slots per trainable element, SGD none, momentum one', () => {
    const m = new Sequential(new Linear(100, 10));
    markOnlyTrainable(m, '0.bias');
    expect(countParameters(m).optimizerStateBytes).toBe(10 * 4 * 2);
    expect(countParameters(m, { optimizer: 'sgd' }).optimizerStateBytes).toBe(0);
    expect(countParameters(m, { optimizer: 'momentum' }).optimizerStateBytes).toBe(40);
    expect(() => countParameters(m, { optimizer: 'adamm' })).toThrow(NotFoundError);
    m.dispose();
  });

  test("Adam's real state matches the prediction", () => {
    const m = new Sequential(new Linear(7, 3));
    markOnlyTrainable(m, '0.weight');
    const optimizer = tf.train.adam(0.01);
    const x = tf.ones([2, 7]);
    const before = tf.memory().numBytes;
    optimizer.minimize(() => tf.sum(m.call(x)) as tf.Scalar);
    expect(tf.memory().numBytes - before).toBe(countParameters(m).optimizerStateBytes);
    optimizer.dispose();
    x.dispose();
    m.dispose();
  });

  test('tied parameters count once, where they first appear', () => {
    class Tied extends Module {
      constructor() {
        super();
        const embedding = this.addModule('wte', new Embedding(50, 8));
        const head = this.addModule('head', new Sequential());
        (head as unknown as { shareParameter(n: string, p: unknown): void }).shareParameter('weight', embedding.weight);
      }
      forward(x: tf.Tensor) {
        return x;
      }
    }
    const m = new Tied();
    const count = countParameters(m);
    expect(count.total).toBe(400);
    expect(count.modules.find((c) => c.path === 'head')!.total).toBe(0);
    m.dispose();
  });

  test("prints peft's line, with grouped digits and four decimals", () => {
    const m = new Sequential(new Linear(768, 768), new Linear(768, 2));
    markOnlyTrainable(m, '1');
    const lines: string[] = [];
    const line = printTrainableParameters(m, (l) => lines.push(l));
    expect(line).toBe('trainable params: 1,538 || all params: 592,130 || trainable%: 0.2597');
    expect(lines).toEqual([line]);
    expect(formatTrainableParameters(m)).toBe(line);
    m.dispose();
  });
});
