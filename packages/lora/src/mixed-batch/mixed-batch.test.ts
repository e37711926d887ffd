import * as tf from '@tensorflow/tfjs-core';
import { AdapterStateError, NotFoundError, ShapeMismatchError, getPeftModel, type PeftModel } from '@peftjs/core';
import { expectClose, makeMlp, makeTokenClassifier, onBackend, valuesOf } from '../../test/helpers';
import type { LoraLayer } from '../layer/lora-layer';
import { GATHER_MIN_ADAPTERS, chooseStrategy } from './choose';
import { BASE_ADAPTER_NAME, forwardMixedBatch, withAdapterNames, type MixedBatchStrategy } from './context';

beforeAll(() => onBackend('cpu'));

const lora = { peft_type: 'LORA', target_modules: ['body.0', 'body.2', 'head'], init_lora_weights: false };

/** Adapters of different ranks and scalings (and targets), and one DoRA adapter, all random. */
function mlpWithAdapters(dora = false): PeftModel {
  const model = getPeftModel(makeMlp(), { ...lora, r: 2, lora_alpha: 4 }, 'a');
  model.addAdapter('b', { ...lora, r: 4, lora_alpha: 2, use_rslora: true, target_modules: ['body.2', 'head'] });
  model.addAdapter('c', { ...lora, r: 1, lora_alpha: 1 });
  model.addAdapter('d', { ...lora, r: 3, lora_alpha: 3, target_modules: ['body.0'] });
  if (dora) model.addAdapter('e', { ...lora, r: 2, lora_alpha: 2, use_dora: true });
  return model.eval();
}

/** Each row's output when run alone with its adapter active (or none). */
function rowsAlone(model: PeftModel, input: tf.Tensor, names: readonly string[]): number[] {
  const active = model.activeAdapters;
  const out = names.flatMap((name, row) =>
    tf.tidy(() => {
      const x = tf.slice(input, [row], [1]);
      if (name === BASE_ADAPTER_NAME) return model.disableAdapters(() => valuesOf(model.call(x)));
      model.setAdapter(name);
      return valuesOf(model.call(x));
    }),
  );
  model.setAdapter(active);
  return out;
}

function randomInput(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

describe('mixed-adapter batches', () => {
  const names = ['a', BASE_ADAPTER_NAME, 'b', 'a', 'c', 'd', 'b', BASE_ADAPTER_NAME];

  test.each<MixedBatchStrategy>(['segment', 'gather', 'auto'])('each row equals running it alone (%s), for 2-D and 3-D inputs', (strategy) => {
    const model = mlpWithAdapters();
    for (const shape of [[8, 6], [8, 5, 6]]) {
      const input = randomInput(shape, shape.length);
      const mixed = tf.tidy(() => valuesOf(forwardMixedBatch(model, input, names, { strategy })));
      expectClose(mixed, rowsAlone(model, input, names), 1e-5);
      input.dispose();
    }
    model.dispose();
  });

  test('per-task heads (modules_to_save) follow each row too: LoRA body plus each adapter\'s own head equals running the row alone', () => {
    const config = { ...lora, target_modules: ['body.0', 'body.2'], modules_to_save: ['head'] };
    const model = getPeftModel(makeMlp(), { ...config, r: 2, lora_alpha: 4 }, 'a');
    model.addAdapter('b', { ...config, r: 3, lora_alpha: 3 });
    // Heads that differ per adapter, as after training each task.
    for (const [path, p] of model.namedParameters()) if (path.includes('modules_to_save.b')) p.assign(tf.mul(p.variable, -3));
    model.eval();
    const input = randomInput([5, 6], 11);
    const rows = ['b', 'a', BASE_ADAPTER_NAME, 'b', 'a'];
    const mixed = tf.tidy(() => valuesOf(forwardMixedBatch(model, input, rows)));
    expectClose(mixed, rowsAlone(model, input, rows), 1e-5);
    input.dispose();
    model.dispose();
  });

  test('DoRA rows and embeddings go through the segment strategy, with the same result as alone', () => {
    const model = mlpWithAdapters(true);
    const input = randomInput([5, 6], 3);
    const rows = ['e', 'a', 'e', BASE_ADAPTER_NAME, 'd'];
    expect(chooseStrategy(model.baseModel.getSubmodule('body.0') as unknown as LoraLayer, ['a', 'e', 'd', 'c'], 'gather')).toBe('segment');
    expectClose(tf.tidy(() => valuesOf(forwardMixedBatch(model, input, rows, { strategy: 'gather' }))), rowsAlone(model, input, rows), 1e-5);
    model.dispose();

    const tokens = getPeftModel(makeTokenClassifier(), { ...lora, r: 2, target_modules: ['embed', 'head'] }, 'x');
    tokens.addAdapter('y', { ...lora, r: 3, target_modules: ['embed'] });
    const ids = tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]], undefined, 'int32');
    const tokenRows = ['y', 'x', BASE_ADAPTER_NAME];
    expectClose(tf.tidy(() => valuesOf(forwardMixedBatch(tokens, ids, tokenRows))), rowsAlone(tokens, ids, tokenRows), 1e-5);
    tokens.dispose();
  });

  test('auto picks gather from GATHER_MIN_ADAPTERS distinct adapters on, for plain LoRA on linear layers', () => {
    const model = mlpWithAdapters();
    const layer = model.baseModel.getSubmodule('body.0') as unknown as LoraLayer;
    expect(GATHER_MIN_ADAPTERS).toBe(2);
    expect(chooseStrategy(layer, ['a'], 'auto')).toBe('segment');
    expect(chooseStrategy(layer, ['a', 'c'], 'auto')).toBe('gather');
    expect(chooseStrategy(layer, ['a', 'c'], 'segment')).toBe('segment');
    // Dropout in training needs one mask per adapter: segment then.
    model.addAdapter('g', { ...lora, r: 2, lora_dropout: 0.5 });
    expect(chooseStrategy(layer, ['a', 'g'], 'auto')).toBe('gather');
    model.train();
    expect(chooseStrategy(layer, ['a', 'g'], 'auto')).toBe('segment');
    model.dispose();
  });

  test('leaks no tensors, and leaves no context behind', () => {
    const model = mlpWithAdapters();
    const input = randomInput([8, 6], 1);
    for (const strategy of ['segment', 'gather'] as const) {
      tf.tidy(() => forwardMixedBatch(model, input, names, { strategy }));
      const before = tf.memory().numTensors;
      tf.dispose(forwardMixedBatch(model, input, names, { strategy }));
      expect(tf.memory().numTensors).toBe(before);
    }
    const plain = tf.tidy(() => valuesOf(model.call(input)));
    model.setAdapter('a');
    expect(tf.tidy(() => valuesOf(model.call(input)))).toEqual(plain);
    model.dispose();
  });

  test('bad names, lengths and merged adapters are typed errors', () => {
    const model = mlpWithAdapters();
    const input = randomInput([3, 6], 2);
    expect(() => forwardMixedBatch(model, input, ['a', 'bb', 'a'])).toThrow(NotFoundError);
    expect(() => forwardMixedBatch(model, input, ['a', 'bb', 'a'])).toThrow(/no adapter named 'bb'.*Closest names: b/);
    expect(() => forwardMixedBatch(model, input, ['a', 'b'])).toThrow(ShapeMismatchError);
    expect(() => withAdapterNames([], () => 0)).toThrow(/non-empty list/);
    model.mergeAdapter(['a']);
    expect(() => forwardMixedBatch(model, input, ['a', 'b', 'c'])).toThrow(AdapterStateError);
    model.unmergeAdapter();
    expect(() => forwardMixedBatch(model, input, ['a', 'b', 'c'])).not.toThrow();
    model.dispose();
  });
});
