/**
 * Fields that hold children follow setSubmodule, so the pattern addModule's
 * comment shows (`this.fc = this.addModule('fc', ...)`, then `this.fc.call(x)`
 * in forward) runs whatever the tree holds now.
 */
import * as tf from '@tensorflow/tfjs-core';
import { onBackend } from '../../test/helpers';
import { Linear } from './layers/linear';
import { Module } from './module';
import { manualSeed } from './random';

/** Reads its children through a field, an array field and a Map field, never through the tree. */
class FieldNet extends Module {
  readonly first: Linear;
  readonly stack: Linear[];
  readonly byName: Map<string, Linear>;
  constructor() {
    super();
    this.first = this.addModule('first', new Linear(3, 3));
    this.stack = [this.addModule('a', new Linear(3, 3)), this.addModule('b', new Linear(3, 3))];
    this.byName = new Map([['last', this.addModule('last', new Linear(3, 2))]]);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.byName.get('last')!.call(this.stack.reduce((y, layer) => layer.call(y), this.first.call(x))));
  }
}

class Outer extends Module {
  readonly inner: FieldNet;
  constructor() {
    super();
    this.inner = this.addModule('inner', new FieldNet());
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.inner.call(x);
  }
}

beforeAll(() => onBackend('cpu'));

const input = () => tf.tensor2d([[0.5, -1, 2], [1, 0.25, -0.5]]);
const outputOf = (model: Module) => tf.tidy(() => Array.from(model.call(input()).dataSync()));

test('a field, an array element and a Map value that hold a replaced child hold its replacement', () => {
  manualSeed(1);
  const model = new Outer();
  const [first, b, last] = [model.inner.first, model.inner.stack[1], model.inner.byName.get('last')!];
  const replacements = { 'inner.first': new Linear(3, 3), 'inner.b': new Linear(3, 3), 'inner.last': new Linear(3, 2) };
  for (const [path, replacement] of Object.entries(replacements)) model.setSubmodule(path, replacement);

  const { inner } = model;
  expect([
    inner.first === replacements['inner.first'],
    inner.stack[1] === replacements['inner.b'],
    inner.byName.get('last') === replacements['inner.last'],
    inner.stack[0] === model.getSubmodule('inner.a'),
  ]).toEqual([true, true, true, true]);
  const expected = tf.tidy(() => {
    const y = replacements['inner.b'].call(model.inner.stack[0].call(replacements['inner.first'].call(input())));
    return Array.from(replacements['inner.last'].call(y).dataSync());
  });
  expect(outputOf(model)).toEqual(expected);

  // Putting the originals back (as a failed addAdapter or unload does) puts the fields back.
  model.setSubmodule('inner.first', first);
  model.setSubmodule('inner.b', b);
  model.setSubmodule('inner.last', last);
  expect([inner.first === first, inner.stack[1] === b, inner.byName.get('last') === last]).toEqual([true, true, true]);
  for (const replacement of Object.values(replacements)) replacement.dispose();
  model.dispose();
});

test('a module registered under two names: only the field named like the replaced child moves', () => {
  class Shared extends Module {
    readonly a: Linear;
    readonly b: Linear;
    constructor() {
      super();
      this.a = this.addModule('a', new Linear(2, 2));
      this.b = this.addModule('b', this.a);
    }
    forward(x: tf.Tensor): tf.Tensor {
      return this.b.call(this.a.call(x));
    }
  }
  const model = new Shared();
  const shared = model.a;
  const replacement = new Linear(2, 2);
  model.setSubmodule('a', replacement);
  expect([model.a === replacement, model.b === shared, model.getSubmodule('b') === shared]).toEqual([true, true, true]);
  replacement.dispose();
  model.dispose();
});

test('fields that cannot be written, and getters, are left alone', () => {
  class Fixed extends Module {
    declare readonly pinned: Linear;
    constructor() {
      super();
      Object.defineProperty(this, 'pinned', { value: this.addModule('pinned', new Linear(2, 2)), enumerable: true, writable: false });
      this.addModule('read', new Linear(2, 2));
    }
    get read(): Linear {
      return this.getSubmodule('read') as unknown as Linear;
    }
    forward(x: tf.Tensor): tf.Tensor {
      return this.read.call(this.pinned.call(x));
    }
  }
  const model = new Fixed();
  const pinned = model.pinned;
  const [first, second] = [new Linear(2, 2), new Linear(2, 2)];
  model.setSubmodule('pinned', first);
  model.setSubmodule('read', second);
  expect([model.pinned === pinned, model.getSubmodule('pinned') === first, model.read === second]).toEqual([true, true, true]);
  pinned.dispose();
  model.dispose();
});
