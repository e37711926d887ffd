/** LoKr's numerics against plain Float64 references written from peft's definitions. */
import * as tf from '@tensorflow/tfjs-core';
import { Conv2D, Linear, Sequential, conv2d, getPeftModel, manualSeed, type Module } from '@peftjs/core';
import { expectClose, expectGradientsMatchFiniteDifferences, makeCnn, makeMlp, mlpInput, onBackend, outputOf, valuesOf } from '../../test/helpers';
import { add, cp, dense, kronecker, linearReference, matmul } from '../../test/lycoris-reference';
import { factorization } from './factorization';
import { LokrLayer } from './layer';

beforeAll(() => onBackend('cpu'));

const lokr = (extra: Record<string, unknown>) => ({ peft_type: 'LOKR', r: 8, alpha: 4, init_weights: false, ...extra });

type FactorName = Parameters<LokrLayer['factor']>[0];

/** ΔW from the factors in Float64: kron(w1, w2) * alpha / r (peft's make_kron), w1 and w2 full, low-rank or CP. */
function referenceDelta(layer: LokrLayer, adapter = 'default'): number[] {
  const f = (name: FactorName) => dense(layer.factor(name, adapter));
  const w1 = layer.hasFactor('lokr_w1', adapter) ? f('lokr_w1') : matmul(f('lokr_w1_a'), f('lokr_w1_b'));
  const w2 = layer.hasFactor('lokr_w2', adapter)
    ? f('lokr_w2')
    : layer.hasFactor('lokr_t2', adapter)
      ? cp(f('lokr_t2'), f('lokr_w2_a'), f('lokr_w2_b'))
      : matmul(f('lokr_w2_a'), f('lokr_w2_b'));
  return Array.from(kronecker(w1, w2, layer.adapterSettings(adapter).scaling).data);
}

const shapesOf = (model: { adapterState(name: string): Array<[string, { shape: number[] }]> }) =>
  model.adapterState('default').map(([name, p]) => `${name.replace('base_model.model.', '').replace('.default', '')} [${p.shape.join(',')}]`);

/** One Linear 16 -> 24: factorization gives out 4 x 6, in 4 x 4, wide enough for decompose_both at r = 1. */
function makeWide(): Module {
  manualSeed(21);
  return new Sequential(new Linear(16, 24));
}

test("factorization is LyCORIS's: peft's documented examples and the factor bound", () => {
  expect([factorization(256), factorization(128), factorization(127), factorization(128, 4)]).toEqual([
    [16, 16],
    [8, 16],
    [1, 127],
    [4, 32],
  ]);
  expect([factorization(24), factorization(6), factorization(12, 5), factorization(12, 2), factorization(12, 0), factorization(1)]).toEqual([
    [4, 6],
    [2, 3],
    [3, 4],
    [2, 6],
    [1, 12],
    [1, 1],
  ]);
});

describe('LoKr on Linear', () => {
  test('full matrices when r >= max(b, d) / 2, low-rank w2 below, low-rank w1 too with decompose_both; scale alpha / r in each', () => {
    const full = getPeftModel(makeMlp(), lokr({ target_modules: ['body.0'] }));
    const low = getPeftModel(makeMlp(), lokr({ r: 1, alpha: 3, target_modules: ['body.0'] }));
    const both = getPeftModel(makeWide(), lokr({ r: 1, alpha: 2, decompose_both: true, target_modules: ['0'] }));
    expect(shapesOf(full)).toEqual(['body.0.lokr_w1 [2,2]', 'body.0.lokr_w2 [4,3]']);
    expect(shapesOf(low)).toEqual(['body.0.lokr_w1 [2,2]', 'body.0.lokr_w2_a [4,1]', 'body.0.lokr_w2_b [1,3]']);
    expect(shapesOf(both)).toEqual(['0.lokr_w1_a [4,1]', '0.lokr_w1_b [1,4]', '0.lokr_w2_a [6,1]', '0.lokr_w2_b [1,4]']);
    for (const [model, path, scaling] of [[full, 'body.0', 0.5], [low, 'body.0', 3], [both, '0', 2]] as const) {
      const layer = model.baseModel.getSubmodule(path) as unknown as LokrLayer;
      expect(layer.adapterSettings('default').scaling).toBe(scaling);
      expectClose(tf.tidy(() => valuesOf(layer.deltaWeight('default'))), referenceDelta(layer), 1e-6, 1e-5);
      model.dispose();
    }
  });

  test('decompose_factor picks the split: 24 with factor 3 is 3 x 8; 16, which 3 does not divide, 2 x 8 (divisors up to 3)', () => {
    const model = getPeftModel(makeWide(), lokr({ decompose_factor: 3, target_modules: ['0'] }));
    expect(shapesOf(model)).toEqual(['0.lokr_w1 [3,2]', '0.lokr_w2 [8,8]']);
    model.dispose();
  });

  test('the forward pass is x (W + ΔW)^T + b', () => {
    const model = getPeftModel(makeMlp(), lokr({ r: 1, target_modules: ['body.0'] }));
    const layer = model.baseModel.getSubmodule('body.0') as unknown as LokrLayer;
    const base = layer.baseLayer as unknown as Linear;
    const x = mlpInput();
    const weight = add(dense(base.weight.variable), { shape: [8, 6], data: Float64Array.from(referenceDelta(layer)) });
    expectClose(tf.tidy(() => valuesOf(layer.call(x))), linearReference(dense(x), weight, dense(base.bias!.variable)), 1e-5, 1e-5);
    x.dispose();
    model.dispose();
  });

  test('init_weights true zeroes w1 (or lokr_w1_a), "lycoris" w2 (or lokr_w2_b): both give exactly the base outputs', () => {
    const baseOutput = outputOf(makeWide(), () => tf.randomUniform([3, 16], -1, 1, 'float32', 2));
    const cases = [
      [true, {}, 'lokr_w1'],
      [true, { r: 1, decompose_both: true }, 'lokr_w1_a'],
      ['lycoris', {}, 'lokr_w2'],
      ['lycoris', { r: 1 }, 'lokr_w2_b'],
    ] as const;
    for (const [init, extra, zero] of cases) {
      const model = getPeftModel(makeWide(), { peft_type: 'LOKR', init_weights: init, target_modules: ['0'], ...extra });
      const layer = model.baseModel.getSubmodule('0') as unknown as LokrLayer;
      expect(valuesOf(layer.factor(zero, 'default')).every((v) => v === 0)).toBe(true);
      const others = model.adapterState('default').filter(([name]) => !name.includes(`.${zero}.`));
      expect(others.every(([, p]) => valuesOf(p.variable).some((v) => v !== 0))).toBe(true);
      expect(outputOf(model as unknown as Module, () => tf.randomUniform([3, 16], -1, 1, 'float32', 2))).toEqual(baseOutput);
      model.dispose();
    }
  });

  test('merged equals unmerged within 1e-5, with two adapters; unmerging restores the base weights', () => {
    const model = getPeftModel(makeMlp(), lokr({ target_modules: ['body.0', 'head'] }), 'a');
    model.addAdapter('b', lokr({ r: 1, alpha: 2, target_modules: ['body.0'] }));
    model.setAdapter(['a', 'b']);
    const unmerged = outputOf(model as unknown as Module, mlpInput);
    const weights = model.baseModel.parameters().map((p) => valuesOf(p.variable));
    model.mergeAdapter();
    expectClose(outputOf(model as unknown as Module, mlpInput), unmerged, 1e-5, 0);
    model.unmergeAdapter();
    model.baseModel.parameters().forEach((p, i) => expectClose(valuesOf(p.variable), weights[i], 1e-6, 0));
    model.dispose();
  });

  test('gradients of every factor match finite differences (decompose_both)', () => {
    const model = getPeftModel(makeWide(), lokr({ r: 1, alpha: 2, decompose_both: true, target_modules: ['0'] }));
    const x = tf.randomUniform([3, 16], -1, 1, 'float32', 2);
    expectGradientsMatchFiniteDifferences(model.adapterState('default'), () => tf.tidy(() => tf.sum(tf.square(model.call(x) as tf.Tensor)) as tf.Scalar));
    x.dispose();
    model.dispose();
  });
});

describe('LoKr on Conv2D', () => {
  // Layer '2' of makeCnn: Conv2D 4 -> 4, 3x3: out 2 x 2, in 2 x 2.
  test('full w2 [b, d, kh, kw], flat low-rank w2 [b, r] @ [r, d*kh*kw], CP lokr_t2: ΔW and the convolution with W + ΔW', () => {
    const model = getPeftModel(makeCnn(), lokr({ r: 4, target_modules: ['2'] }));
    expect(shapesOf(model)).toEqual(['2.lokr_w1 [2,2]', '2.lokr_w2 [2,2,3,3]']);
    model.dispose();
    // An 8 -> 8 convolution: b = d = 4, so r = 1 is below max(b, d) / 2 = 2.
    const wide = () => {
      manualSeed(17);
      return new Sequential(new Conv2D(8, 8, 3, { padding: 1 }));
    };
    const flat = getPeftModel(wide(), lokr({ r: 1, target_modules: ['0'] }));
    const effective = getPeftModel(wide(), lokr({ r: 1, use_effective_conv2d: true, target_modules: ['0'] }));
    expect(shapesOf(flat)).toEqual(['0.lokr_w1 [2,2]', '0.lokr_w2_a [4,1]', '0.lokr_w2_b [1,36]']);
    expect(shapesOf(effective)).toEqual(['0.lokr_w1 [2,2]', '0.lokr_w2_a [1,4]', '0.lokr_w2_b [1,4]', '0.lokr_t2 [1,1,3,3]']);
    const x = tf.randomUniform([2, 5, 5, 8], -1, 1, 'float32', 8);
    for (const peft of [flat, effective]) {
      const layer = peft.baseModel.getSubmodule('0') as unknown as LokrLayer;
      expectClose(tf.tidy(() => valuesOf(layer.deltaWeight('default'))), referenceDelta(layer), 1e-6, 1e-5);
      const base = layer.baseLayer as unknown as Conv2D;
      const expected = tf.tidy(() => valuesOf(conv2d(x, tf.add(base.weight.variable, tf.tensor(referenceDelta(layer), [8, 8, 3, 3])), base.bias!.variable, base)));
      expectClose(tf.tidy(() => valuesOf(layer.call(x))), expected, 1e-5, 1e-5);
      const unmerged = tf.tidy(() => valuesOf(peft.call(x) as tf.Tensor));
      peft.mergeAdapter();
      expectClose(tf.tidy(() => valuesOf(peft.call(x) as tf.Tensor)), unmerged, 1e-5, 0);
      peft.dispose();
    }
    x.dispose();
  });

  test('gradients of the CP factors match finite differences', () => {
    manualSeed(17);
    const model = getPeftModel(new Sequential(new Conv2D(8, 4, 2)), lokr({ r: 1, alpha: 2, use_effective_conv2d: true, target_modules: ['0'] }));
    expect(shapesOf(model)).toEqual(['0.lokr_w1 [2,2]', '0.lokr_w2_a [1,2]', '0.lokr_w2_b [1,4]', '0.lokr_t2 [1,1,2,2]']);
    const input = tf.randomUniform([2, 4, 4, 8], -1, 1, 'float32', 6);
    expectGradientsMatchFiniteDifferences(model.adapterState('default'), () => tf.tidy(() => tf.sum(tf.square(model.call(input) as tf.Tensor)) as tf.Scalar));
    input.dispose();
    model.dispose();
  });
});
