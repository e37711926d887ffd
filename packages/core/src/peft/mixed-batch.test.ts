/**
 * Mixed-adapter batches in core: the context itself, and modules_to_save
 * copies (per-task heads) following each row's adapter name.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectClose, onBackend } from '../../test/helpers';
import { InvalidArgumentError, NotFoundError, ShapeMismatchError } from '../errors';
import { Linear } from '../nn/layers/linear';
import { manualSeed } from '../nn/random';
import { ModulesToSaveWrapper } from './modules-to-save';
import { BASE_ADAPTER_NAME, currentMixedBatch, forwardByRowGroups, forwardMixedBatch, withAdapterNames } from './mixed-batch';
import { getPeftModel } from './peft-model';
import { SCALE_SHIFT } from '../../test/scale-shift-method';
import { Sequential } from '../nn/layers/sequential';

beforeAll(() => onBackend('cpu'));

/** A head with two adapter copies that differ from the original and from each other. */
function headWithCopies(): ModulesToSaveWrapper {
  manualSeed(3);
  const head = new ModulesToSaveWrapper(new Linear(4, 3));
  for (const [name, value] of [['a', 0.5], ['b', -1.5]] as const) {
    const copy = head.addCopy(name);
    for (const p of copy.parameters()) p.assign(tf.add(p.variable, value));
  }
  head.setActiveAdapters(['a']);
  return head;
}

test('the context is set only inside withAdapterNames, restored after a throw, and checks its input', () => {
  expect(currentMixedBatch()).toBeUndefined();
  withAdapterNames(['a', 'b'], () => {
    expect(currentMixedBatch()).toEqual({ adapterNames: ['a', 'b'], strategy: 'auto' });
    withAdapterNames(['c'], () => expect(currentMixedBatch()?.adapterNames).toEqual(['c']), { strategy: 'segment' });
    expect(currentMixedBatch()?.adapterNames).toEqual(['a', 'b']);
  });
  expect(() => withAdapterNames(['a'], () => { throw new Error('boom'); })).toThrow('boom');
  expect(currentMixedBatch()).toBeUndefined();
  expect(() => withAdapterNames([], () => 0)).toThrow(InvalidArgumentError);
  expect(() => withAdapterNames(['a'], () => 0, { strategy: 'fast' as never })).toThrow(InvalidArgumentError);
  expect(() => withAdapterNames(['a'], () => Promise.resolve(0))).toThrow(TypeError);
});

test('forwardByRowGroups puts each group\'s result back in its rows, reading the group\'s rows of any per-row tensor', () => {
  const x = tf.tensor2d([[1], [2], [3], [4], [5]]);
  const offsets = tf.tensor2d([[0.5], [0.25], [0.5], [0], [0.25]]); // computed per row, like a base layer's output
  const y = forwardByRowGroups(x, ['p', 'q', 'p', 'r', 'q'], (group, rowsOf) => tf.add(tf.mul(rowsOf(x), { p: 10, q: 100, r: 1000 }[group]!), rowsOf(offsets)));
  expect(Array.from(y.dataSync())).toEqual([10.5, 200.25, 30.5, 4000, 500.25]);
  expect(() => forwardByRowGroups(x, ['p'], (_, rowsOf) => rowsOf(x))).toThrow(ShapeMismatchError);
  tf.dispose([x, y, offsets]);
});

test('modules_to_save: each row goes through its adapter\'s copy; __base__ and adapters without a copy through the original', () => {
  const head = headWithCopies();
  const x = tf.randomNormal([6, 4], 0, 1, 'float32', 7);
  const names = ['a', BASE_ADAPTER_NAME, 'b', 'other', 'b', 'a'];
  const before = tf.memory().numTensors;
  const mixed = withAdapterNames(names, () => head.call(x));
  expect(tf.memory().numTensors).toBe(before + 1);
  const expected = names.flatMap((name, row) =>
    tf.tidy(() => {
      const module = name === 'a' || name === 'b' ? head.copies.get(name) : head.baseLayer;
      return Array.from(module.call(tf.slice(x, [row], [1])).dataSync());
    }),
  );
  expectClose(mixed.dataSync(), expected);
  // Outside the context: the active adapter's copy for every row, as before.
  expectClose(head.call(x).dataSync(), head.copies.get('a').call(x).dataSync());
  // Disabled: the original for every row, even in a mixed batch.
  head.setAdaptersDisabled(true);
  expectClose(withAdapterNames(names, () => head.call(x)).dataSync(), head.baseLayer.call(x).dataSync());
  head.setAdaptersDisabled(false);
  expect(() => withAdapterNames(['a', 'b'], () => head.call(x))).toThrow(ShapeMismatchError);
  tf.dispose([x, mixed]);
  head.dispose();
});

test('forwardMixedBatch on a PeftModel with a per-adapter head; an unknown name is a NotFoundError', () => {
  manualSeed(5);
  const base = new Sequential(new Linear(4, 5), new Linear(5, 2));
  const config = { peft_type: SCALE_SHIFT, target_modules: ['0'], modules_to_save: ['1'] };
  const model = getPeftModel(base, config, 'a');
  model.addAdapter('b', config);
  for (const [path, p] of model.namedParameters()) if (path.includes('modules_to_save.b')) p.assign(tf.mul(p.variable, -2));
  const x = tf.randomNormal([3, 4], 0, 1, 'float32', 9);
  const out = forwardMixedBatch(model, x, ['b', 'b', 'b']);
  // All rows 'b': the head is b's copy. (The scale-shift layer has no per-row form and follows the active adapter, 'a'.)
  const headInput = model.baseModel.getSubmodule('0').call(x) as tf.Tensor;
  const bHead = (model.baseModel.getSubmodule('1') as unknown as ModulesToSaveWrapper).copies.get('b');
  expectClose(out.dataSync(), bHead.call(headInput).dataSync());
  expect(() => forwardMixedBatch(model, x, ['a', 'c', 'a'])).toThrow(NotFoundError);
  tf.dispose([x, out, headInput]);
  model.dispose();
});
