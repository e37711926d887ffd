import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Linear, Module, getPeftModel, manualSeed, type PeftModel } from '@peftjs/core';
import { expectClose, makeMlp, onBackend, valuesOf } from '../../test/helpers';
import type { LoraLayer } from '../layer/lora-layer';
import { addWeightedAdapter } from './add-weighted-adapter';

beforeAll(() => onBackend('cpu'));

const lora = { peft_type: 'LORA', target_modules: ['body.0', 'body.2'], init_lora_weights: false };

/** Two random adapters with different scalings (2 and 1) on an MLP. */
function twoAdapters(rb = 2): PeftModel {
  const model = getPeftModel(makeMlp(), { ...lora, r: 2, lora_alpha: 4 }, 'a');
  model.addAdapter('b', { ...lora, r: rb, lora_alpha: rb });
  return model;
}

const layerOf = (model: PeftModel, path = 'body.0') => model.baseModel.getSubmodule(path) as unknown as LoraLayer;
const delta = (model: PeftModel, adapter: string, path = 'body.0') => layerOf(model, path).deltaWeight(adapter);

function factorsOf(model: PeftModel, adapter: string): { a: tf.Tensor2D; b: tf.Tensor2D; s: number } {
  const layer = layerOf(model);
  const { a, b } = layer.factorMatrices(adapter);
  return { a, b, s: layer.adapterSettings(adapter).scaling };
}

describe('addWeightedAdapter', () => {
  test("'cat' gives exactly sum_i w_i ΔW_i, with the rank the sum of ranks", () => {
    const model = twoAdapters(3);
    addWeightedAdapter(model, ['a', 'b'], [0.7, -1.5], 'cat', 'cat');
    expect(layerOf(model).adapterSettings('cat').r).toBe(5);
    const expected = tf.tidy(() => tf.add(tf.mul(delta(model, 'a'), 0.7), tf.mul(delta(model, 'b'), -1.5)));
    expectClose(valuesOf(delta(model, 'cat')), valuesOf(expected), 1e-5);
    expect(model.peftConfig.cat).toMatchObject({ r: 5, lora_alpha: 5, target_modules: ['body.0', 'body.2'], init_lora_weights: true });
    expect(model.activeAdapters).toEqual(['a']);
    model.dispose();
  });

  test("'svd' at full rank equals 'cat'; truncated, it keeps the top singular directions of the weighted sum", () => {
    const model = twoAdapters();
    addWeightedAdapter(model, ['a', 'b'], [0.5, 2], 'full', 'svd', { svdRank: 4 });
    addWeightedAdapter(model, ['a', 'b'], [0.5, 2], 'top1', 'svd', { svdRank: 1 });
    const expected = tf.tidy(() => tf.add(tf.mul(delta(model, 'a'), 0.5), tf.mul(delta(model, 'b'), 2)));
    expectClose(valuesOf(delta(model, 'full')), valuesOf(expected), 1e-5);
    // The rank-1 truncation leaves exactly the other singular values: ||ΔW - ΔW_1||_F^2 = sum of the rest squared.
    const residual = tf.tidy(() => tf.sum(tf.square(tf.sub(expected, delta(model, 'top1')))).dataSync()[0]);
    const total = tf.tidy(() => tf.sum(tf.square(expected)).dataSync()[0]);
    const top = tf.tidy(() => tf.sum(tf.square(delta(model, 'top1'))).dataSync()[0]);
    expect(residual).toBeCloseTo(total - top, 5);
    expect(top).toBeGreaterThan(total / 2);
    model.dispose();
  });

  test("'linear' combines A and B separately with sqrt(w s), as peft", () => {
    const model = twoAdapters();
    addWeightedAdapter(model, ['a', 'b'], [0.5, 2], 'lin', 'linear');
    const fa = factorsOf(model, 'a');
    const fb = factorsOf(model, 'b');
    const [ka, kb] = [Math.sqrt(0.5 * fa.s), Math.sqrt(2 * fb.s)];
    const expected = tf.tidy(() => tf.matMul(tf.add(tf.mul(fa.b, ka), tf.mul(fb.b, kb)), tf.add(tf.mul(fa.a, ka), tf.mul(fb.a, kb))));
    expectClose(valuesOf(delta(model, 'lin')), valuesOf(expected), 1e-5);
    // One adapter: always linear, and a negative weight negates the update.
    addWeightedAdapter(model, ['a'], [-0.5], 'negated', 'ties', { density: 0.5 });
    expectClose(valuesOf(delta(model, 'negated')), valuesOf(tf.mul(delta(model, 'a'), -0.5)), 1e-5);
    model.dispose();
  });

  describe('pruning combinations on hand-computed factors', () => {
    // fc: Linear(2, 2); adapter x: A = [1, -2], B = [3, 1]ᵀ; adapter y: A = [-4, 1], B = [1, 2]ᵀ; r = alpha = 1.
    class One extends Module {
      constructor() {
        super();
        this.addModule('fc', new Linear(2, 2));
      }
      forward(x: tf.Tensor): tf.Tensor {
        return this.getSubmodule('fc').call(x) as tf.Tensor;
      }
    }
    function handModel(): PeftModel {
      manualSeed(1);
      const config = { peft_type: 'LORA', target_modules: ['fc'], r: 1, lora_alpha: 1 };
      const model = getPeftModel(new One(), config, 'x');
      model.addAdapter('y', config);
      const layer = model.baseModel.getSubmodule('fc') as unknown as LoraLayer;
      layer.setFactors('x', tf.tensor2d([[1, -2]]), tf.tensor2d([[3], [1]]));
      layer.setFactors('y', tf.tensor2d([[-4, 1]]), tf.tensor2d([[1], [2]]));
      return model;
    }
    const factors = (model: PeftModel, name: string) => {
      const { a, b } = (model.baseModel.getSubmodule('fc') as unknown as LoraLayer).factorMatrices(name);
      return [valuesOf(a), valuesOf(b)];
    };

    test('ties: magnitude pruning, sign election by total or frequency, disjoint mean', () => {
      const model = handModel();
      addWeightedAdapter(model, ['x', 'y'], [1, 1], 'half', 'ties', { density: 0.5 });
      // A: [0, -2] and [-4, 0] agree everywhere; B: [3, 0] and [0, 2].
      expect(factors(model, 'half')).toEqual([[-4, -2], [3, 2]]);
      addWeightedAdapter(model, ['x', 'y'], [1, 1], 'total', 'ties', { density: 1 });
      // Signs by total: A -> [-, -] keeps -4 and -2; B all positive -> means [2, 1.5].
      expect(factors(model, 'total')).toEqual([[-4, -2], [2, 1.5]]);
      addWeightedAdapter(model, ['x', 'y'], [1, 1], 'frequency', 'ties', { density: 1, majoritySignMethod: 'frequency' });
      // Signs by count: A entries tie at 0 -> +, keeping 1 and 1.
      expect(factors(model, 'frequency')).toEqual([[1, 1], [2, 1.5]]);
      model.dispose();
    });

    test('magnitude_prune: each factor pruned, then the weighted sum (weights sqrt(w s))', () => {
      const model = handModel();
      addWeightedAdapter(model, ['x', 'y'], [1, 4], 'pruned', 'magnitude_prune', { density: 0.5 });
      expect(factors(model, 'pruned')).toEqual([[-8, -2], [3, 4]]);
      model.dispose();
    });

    test('dare: random drops rescaled by 1/density, repeatable by seed; density 1 is linear', () => {
      const model = handModel();
      addWeightedAdapter(model, ['x', 'y'], [1, 1], 'dense', 'dare_linear', { density: 1 });
      addWeightedAdapter(model, ['x', 'y'], [1, 1], 'lin', 'linear');
      expect(factors(model, 'dense')).toEqual(factors(model, 'lin'));
      addWeightedAdapter(model, ['x', 'y'], [1, 1], 'd1', 'dare_linear', { density: 0.5, seed: 3 });
      addWeightedAdapter(model, ['x', 'y'], [1, 1], 'd2', 'dare_linear', { density: 0.5, seed: 3 });
      addWeightedAdapter(model, ['x', 'y'], [1, 1], 'd3', 'dare_ties', { density: 0.5, seed: 3 });
      expect(factors(model, 'd1')).toEqual(factors(model, 'd2'));
      // Each entry is a sum of kept entries doubled: 2 * (subset of {x_i, y_i}).
      const [a] = factors(model, 'd1');
      const candidates = [[0, 2, -8, -6], [0, -4, 2, -2]];
      a.forEach((v, i) => expect(candidates[i]).toContain(v));
      // dare_ties: the elected sign drops the disagreeing entry, so no sums of opposite signs.
      const [aTies] = factors(model, 'd3');
      const tiesCandidates = [[0, 2, -8], [0, -4, 2]];
      aTies.forEach((v, i) => expect(tiesCandidates[i]).toContain(v));
      model.dispose();
    });
  });

  test('bad input is a typed error and adds nothing', () => {
    const model = twoAdapters(3);
    const names = model.adapterNames;
    expect(() => addWeightedAdapter(model, ['a', 'b'], [1, 1], 'x', 'linear')).toThrow(/one rank, found ranks \[2, 3\]/);
    expect(() => addWeightedAdapter(model, ['a', 'c'], [1, 1], 'x', 'cat')).toThrow(/no adapter named 'c'/);
    expect(() => addWeightedAdapter(model, ['a', 'b'], [1], 'x', 'cat')).toThrow(InvalidArgumentError);
    expect(() => addWeightedAdapter(model, ['a', 'b'], [1, 1], 'x', 'ties_svd')).toThrow(/needs options.density/);
    expect(() => addWeightedAdapter(model, ['a', 'b'], [1, 1], 'a', 'cat')).toThrow(/already exists/);
    expect(() => addWeightedAdapter(model, ['a', 'b'], [1, 1], 'x', 'mean' as never)).toThrow(/combination: expected one of/);
    expect(model.adapterNames).toEqual(names);
    model.dispose();
  });

  test('the svd forms of the pruning methods truncate the pruned combination', () => {
    const model = twoAdapters();
    addWeightedAdapter(model, ['a', 'b'], [1, 1], 'mp', 'magnitude_prune_svd', { density: 1, svdRank: 4 });
    const expected = tf.tidy(() => tf.add(delta(model, 'a'), delta(model, 'b')));
    expectClose(valuesOf(delta(model, 'mp')), valuesOf(expected), 1e-5);
    addWeightedAdapter(model, ['a', 'b'], [1, 1], 'plain', 'svd');
    addWeightedAdapter(model, ['a', 'b'], [1, 1], 'clamped', 'svd', { svdClamp: 0.9 });
    const plain = layerOf(model).factorMatrices('plain');
    const values = [...valuesOf(plain.a), ...valuesOf(plain.b)].sort((x, y) => x - y);
    const position = 0.9 * (values.length - 1);
    const low = Math.floor(position);
    const limit = values[low] + (values[low + 1] - values[low]) * (position - low);
    const clamped = layerOf(model).factorMatrices('clamped');
    const clip = (v: number) => Math.min(limit, Math.max(-limit, v));
    expectClose(valuesOf(clamped.a), valuesOf(plain.a).map(clip), 1e-6);
    expectClose(valuesOf(clamped.b), valuesOf(plain.b).map(clip), 1e-6);
    model.dispose();
  });
});
