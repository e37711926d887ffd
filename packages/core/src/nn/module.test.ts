import * as tf from '@tensorflow/tfjs-core';
import { NotFoundError, ShapeMismatchError, InvalidArgumentError, StateDictMismatchError } from '../errors';
import { onBackend } from '../../test/helpers';
import { Module } from './module';
import { Linear } from './layers/linear';
import { Sequential } from './layers/sequential';
import { Activation } from './layers/activations';
import { Embedding } from './layers/embedding';
import { manualSeed } from './random';
import type { Parameter } from './parameter';

class Block extends Module {
  readonly fc: Linear;
  constructor(size: number) {
    super();
    this.fc = this.addModule('fc', new Linear(size, size));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.getSubmodule('fc').call(x) as tf.Tensor;
  }
}

/** A tiny LM with the output head tied to the embedding, as GPT-2 does. */
class TiedLm extends Module {
  readonly wte: Embedding;
  readonly head: Parameter;
  constructor() {
    super();
    this.wte = this.addModule('wte', new Embedding(10, 4));
    const holder = this.addModule('lm_head', new (class extends Module {
      forward(x: tf.Tensor) {
        return x;
      }
    })());
    this.head = (holder as unknown as { shareParameter(n: string, p: Parameter): Parameter }).shareParameter('weight', this.wte.weight);
  }
  forward(ids: tf.Tensor): tf.Tensor {
    return tf.matMul(this.wte.call(ids), this.head.read(), false, true);
  }
}

beforeAll(() => onBackend('cpu'));

describe('Module tree', () => {
  test('names parameters and modules by dotted paths, in registration order', () => {
    const model = new Sequential(new Block(3), new Activation('relu'), new Linear(3, 2));
    expect(model.namedParameters().map(([p]) => p)).toEqual(['0.fc.weight', '0.fc.bias', '2.weight', '2.bias']);
    expect(model.namedModules().map(([p, m]) => `${p}:${m.constructor.name}`)).toEqual([
      ':Sequential',
      '0:Block',
      '0.fc:Linear',
      '1:Activation',
      '2:Linear',
    ]);
    expect(model.getSubmodule('0.fc')).toBeInstanceOf(Linear);
    expect(model.getParameter('2.bias').shape).toEqual([2]);
    model.dispose();
  });

  test('unknown paths give NotFoundError with the closest names', () => {
    const model = new Sequential(new Block(3), new Linear(3, 2));
    expect(() => model.getSubmodule('0.fx')).toThrow(NotFoundError);
    try {
      model.getSubmodule('0.fx');
    } catch (error) {
      expect((error as NotFoundError).suggestions[0]).toBe('0.fc');
    }
    expect(() => model.getParameter('1.wieght')).toThrow(/Closest names: 1\.weight/);
    model.dispose();
  });

  test('setSubmodule replaces a module, and the forward pass uses the replacement', () => {
    manualSeed(1);
    const model = new Sequential(new Linear(3, 3), new Linear(3, 2));
    const x = tf.tensor2d([[1, 2, 3]]);
    const before = model.call(x).arraySync();
    const replacement = new Linear(3, 2);
    const old = model.setSubmodule('1', replacement);
    expect(old).toBeInstanceOf(Linear);
    expect(model.getSubmodule('1')).toBe(replacement);
    const after = model.call(x).arraySync();
    expect(after).not.toEqual(before);
    const direct = replacement.call(model.getSubmodule('0').call(x) as tf.Tensor).arraySync();
    expect(after).toEqual(direct);
    old.dispose();
    model.dispose();
    x.dispose();
  });

  test('setSubmodule refuses a replacement with other feature sizes, and changes nothing', () => {
    const model = new Sequential(new Linear(3, 4), new Linear(4, 2));
    const original = model.getSubmodule('0');
    const wrong = new Linear(3, 5);
    expect(() => model.setSubmodule('0', wrong)).toThrow(ShapeMismatchError);
    expect(() => model.setSubmodule('0', wrong)).toThrow(/outFeatures: expected shape \[4\], found \[5\]/);
    expect(model.getSubmodule('0')).toBe(original);
    expect(() => model.setSubmodule('7', wrong)).toThrow(NotFoundError);
    expect(() => model.setSubmodule('', wrong)).toThrow(InvalidArgumentError);
    wrong.dispose();
    model.dispose();
  });

  test('a tied parameter is listed, counted and disposed once', () => {
    const model = new TiedLm();
    expect(model.namedParameters().map(([p]) => p)).toEqual(['wte.weight']);
    const logits = model.call(tf.tensor1d([1, 2], 'int32'));
    expect(logits.shape).toEqual([2, 10]);
    logits.dispose();
    model.dispose();
  });

  test('dispose frees every variable', () => {
    const before = tf.memory().numTensors;
    const model = new Sequential(new Linear(8, 8), new Linear(8, 8));
    expect(tf.memory().numTensors).toBe(before + 4);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(model.parameters().every((p) => p.isDisposed)).toBe(true);
  });

  test('train() and eval() set the mode on the whole tree', () => {
    const model = new Sequential(new Block(2), new Linear(2, 2));
    model.eval();
    expect(model.namedModules().every(([, m]) => m.training === false)).toBe(true);
    model.train();
    expect(model.namedModules().every(([, m]) => m.training === true)).toBe(true);
    model.dispose();
  });

  test('names must be valid and unique', () => {
    class Bad extends Module {
      constructor(name: string) {
        super();
        this.addModule('a', new Linear(1, 1));
        this.addModule(name, new Linear(1, 1));
      }
      forward(x: tf.Tensor) {
        return x;
      }
    }
    expect(() => new Bad('a')).toThrow(/already used/);
    expect(() => new Bad('x.y')).toThrow(InvalidArgumentError);
  });

  test('stateDict and loadStateDict round-trip; a bad dict changes nothing', () => {
    manualSeed(3);
    const a = new Sequential(new Linear(2, 3), new Linear(3, 1));
    manualSeed(4);
    const b = new Sequential(new Linear(2, 3), new Linear(3, 1));
    const x = tf.tensor2d([[0.5, -1]]);
    const bBefore = b.call(x).arraySync();
    const wrongShape = { ...a.stateDict(), '1.weight': tf.zeros([2, 3]) };
    expect(() => b.loadStateDict(wrongShape)).toThrow(ShapeMismatchError);
    expect(b.call(x).arraySync()).toEqual(bBefore);
    const { ['1.bias']: _dropped, ...incomplete } = a.stateDict();
    expect(() => b.loadStateDict(incomplete)).toThrow(/missing keys \[1\.bias\]/);
    expect(() => b.loadStateDict({ ...incomplete, extra: tf.zeros([1]) })).toThrow(
      expect.objectContaining({ name: 'StateDictMismatchError', code: 'STATE_DICT_MISMATCH', missing: ['1.bias'], unexpected: ['extra'] }),
    );
    expect(() => b.loadStateDict(incomplete)).toThrow(StateDictMismatchError);
    b.loadStateDict(a.stateDict());
    expect(b.call(x).arraySync()).toEqual(a.call(x).arraySync());
    a.dispose();
    b.dispose();
  });

  test('describe() outlines the tree with shapes and frozen flags', () => {
    const model = new Sequential(new Linear(2, 3));
    model.getParameter('0.bias').trainable = false;
    expect(model.describe()).toBe('Sequential\n  0: Linear (weight[3,2], bias[3] frozen)');
    model.dispose();
  });
});
