/** LoHa's numerics against plain Float64 references written from peft's definitions. */
import * as tf from '@tensorflow/tfjs-core';
import { Conv2D, Linear, Sequential, conv2d, getPeftModel, manualSeed, type Module } from '@peftjs/core';
import { expectClose, expectGradientsMatchFiniteDifferences, imageInput, makeCnn, makeMlp, mlpInput, onBackend, outputOf, valuesOf } from '../../test/helpers';
import { add, cp, dense, hadamard, linearReference, matmul } from '../../test/lycoris-reference';
import { LohaLayer } from './layer';

beforeAll(() => onBackend('cpu'));

const loha = (extra: Record<string, unknown>) => ({ peft_type: 'LOHA', r: 3, alpha: 6, init_weights: false, ...extra });

/** ΔW of a LoHa layer from its factors, in Float64 (peft's make_weight / make_weight_cp). */
function referenceDelta(layer: LohaLayer, adapter = 'default'): number[] {
  const f = (name: Parameters<LohaLayer['factor']>[0]) => dense(layer.factor(name, adapter));
  const { scaling } = layer.adapterSettings(adapter);
  if (layer.hada_t1.has(adapter)) {
    return Array.from(hadamard(cp(f('hada_t1'), f('hada_w1_a'), f('hada_w1_b')), cp(f('hada_t2'), f('hada_w2_a'), f('hada_w2_b')), scaling).data);
  }
  return Array.from(hadamard(matmul(f('hada_w1_a'), f('hada_w1_b')), matmul(f('hada_w2_a'), f('hada_w2_b')), scaling).data);
}

describe('LoHa on Linear', () => {
  test("peft's shapes and names, scaling alpha / r after rank_pattern and alpha_pattern", () => {
    const model = getPeftModel(makeMlp(), loha({ target_modules: ['body.0', 'body.2'], rank_pattern: { 'body.2': 2 }, alpha_pattern: { 'body.2': 5 } }));
    expect(model.adapterState('default').map(([name, p]) => `${name} [${p.shape.join(',')}]`)).toEqual([
      'base_model.model.body.0.hada_w1_a.default [8,3]',
      'base_model.model.body.0.hada_w1_b.default [3,6]',
      'base_model.model.body.0.hada_w2_a.default [8,3]',
      'base_model.model.body.0.hada_w2_b.default [3,6]',
      'base_model.model.body.2.hada_w1_a.default [8,2]',
      'base_model.model.body.2.hada_w1_b.default [2,8]',
      'base_model.model.body.2.hada_w2_a.default [8,2]',
      'base_model.model.body.2.hada_w2_b.default [2,8]',
    ]);
    const layers = ['body.0', 'body.2'].map((path) => model.baseModel.getSubmodule(path) as unknown as LohaLayer);
    expect(layers.map((layer) => layer.adapterSettings('default').scaling)).toEqual([2, 2.5]);
    for (const layer of layers) {
      const delta = tf.tidy(() => valuesOf(layer.deltaWeight('default')));
      expectClose(delta, referenceDelta(layer), 1e-6, 1e-5);
    }
    model.dispose();
  });

  test('the forward pass is x (W + ΔW)^T + b', () => {
    const model = getPeftModel(makeMlp(), loha({ target_modules: ['body.0'] }));
    const layer = model.baseModel.getSubmodule('body.0') as unknown as LohaLayer;
    const base = layer.baseLayer as unknown as Linear;
    const x = mlpInput();
    const weight = add(dense(base.weight.variable), { shape: [8, 6], data: Float64Array.from(referenceDelta(layer)) });
    const expected = linearReference(dense(x), weight, dense(base.bias!.variable));
    expectClose(tf.tidy(() => valuesOf(layer.call(x))), expected, 1e-5, 1e-5);
    x.dispose();
    model.dispose();
  });

  test('init_weights true: hada_w2_b is zero, the rest Kaiming-uniform, and the outputs are exactly the base outputs', () => {
    const baseOutput = outputOf(makeMlp(), mlpInput);
    const model = getPeftModel(makeMlp(), { peft_type: 'LOHA', target_modules: ['body.0', 'body.2', 'head'] });
    const layer = model.baseModel.getSubmodule('body.2') as unknown as LohaLayer;
    expect(valuesOf(layer.factor('hada_w2_b', 'default')).every((v) => v === 0)).toBe(true);
    // kaiming_uniform_(a=sqrt(5)) bounds by PyTorch's fan-in: 1/sqrt(r) for [out, r], 1/sqrt(in) for [r, in].
    const bound = (name: 'hada_w1_a' | 'hada_w1_b' | 'hada_w2_a') => Math.max(...valuesOf(layer.factor(name, 'default')).map(Math.abs));
    expect(bound('hada_w1_a')).toBeLessThanOrEqual(1 / Math.sqrt(8));
    expect(bound('hada_w1_a')).toBeGreaterThan(0.5 / Math.sqrt(8));
    expect(bound('hada_w1_b')).toBeLessThanOrEqual(1 / Math.sqrt(8));
    expect(bound('hada_w2_a')).toBeGreaterThan(0);
    expect(outputOf(model as unknown as Module, mlpInput)).toEqual(baseOutput);
    model.dispose();
  });

  test('merged equals unmerged within 1e-5, with two adapters; unmerging restores the base weights', () => {
    const model = getPeftModel(makeMlp(), loha({ target_modules: ['body.0', 'head'] }), 'a');
    model.addAdapter('b', loha({ r: 2, alpha: 3, target_modules: ['head'] }));
    model.setAdapter(['a', 'b']);
    const unmerged = outputOf(model as unknown as Module, mlpInput);
    const weights = model.baseModel.parameters().map((p) => valuesOf(p.variable));
    model.mergeAdapter();
    expectClose(outputOf(model as unknown as Module, mlpInput), unmerged, 1e-5, 0);
    model.unmergeAdapter();
    model.baseModel.parameters().forEach((p, i) => expectClose(valuesOf(p.variable), weights[i], 1e-6, 0));
    model.dispose();
  });

  test('gradients of every factor match finite differences', () => {
    const model = getPeftModel(makeMlp(), loha({ r: 2, alpha: 4, target_modules: ['body.2'] }));
    const x = mlpInput();
    expectGradientsMatchFiniteDifferences(model.adapterState('default'), () => tf.tidy(() => tf.sum(tf.square(model.call(x) as tf.Tensor)) as tf.Scalar), {
      epsilon: 1e-2,
    });
    x.dispose();
    model.dispose();
  });
});

describe('LoHa on Conv2D', () => {
  test('flattened kernel: [out, r] @ [r, in*kh*kw], ΔW reshaped to the kernel; forward is the convolution with W + ΔW', () => {
    const model = getPeftModel(makeCnn(), loha({ target_modules: ['2'] }));
    const layer = model.baseModel.getSubmodule('2') as unknown as LohaLayer;
    expect(model.adapterState('default').map(([, p]) => p.shape)).toEqual([[4, 3], [3, 36], [4, 3], [3, 36]]);
    expectClose(tf.tidy(() => valuesOf(layer.deltaWeight('default'))), referenceDelta(layer), 1e-6, 1e-5);
    const base = layer.baseLayer as unknown as Conv2D;
    const x = tf.randomUniform([2, 5, 5, 4], -1, 1, 'float32', 3);
    const expected = tf.tidy(() => valuesOf(conv2d(x, tf.add(base.weight.variable, tf.tensor(referenceDelta(layer), [4, 4, 3, 3])), base.bias!.variable, base)));
    expectClose(tf.tidy(() => valuesOf(layer.call(x))), expected, 1e-5, 1e-5);
    x.dispose();
    model.dispose();
  });

  test('use_effective_conv2d: hada_t1/hada_t2 [r, r, kh, kw] with [r, out] and [r, in] mode factors; a 1x1 kernel stays flat', () => {
    const model = getPeftModel(makeCnnWithPointwise(), loha({ r: 2, alpha: 3, use_effective_conv2d: true, target_modules: ['0', '1'] }));
    expect(model.adapterState('default').map(([name, p]) => `${name.replace('base_model.model.', '')} [${p.shape.join(',')}]`)).toEqual([
      '0.hada_w1_a.default [2,4]',
      '0.hada_w1_b.default [2,3]',
      '0.hada_w2_a.default [2,4]',
      '0.hada_w2_b.default [2,3]',
      '0.hada_t1.default [2,2,3,3]',
      '0.hada_t2.default [2,2,3,3]',
      '1.hada_w1_a.default [2,2]',
      '1.hada_w1_b.default [2,4]',
      '1.hada_w2_a.default [2,2]',
      '1.hada_w2_b.default [2,4]',
    ]);
    for (const path of ['0', '1']) {
      const layer = model.baseModel.getSubmodule(path) as unknown as LohaLayer;
      expectClose(tf.tidy(() => valuesOf(layer.deltaWeight('default'))), referenceDelta(layer), 1e-6, 1e-5);
    }
    const unmerged = outputOf(model as unknown as Module, imageInput);
    model.mergeAdapter();
    expectClose(outputOf(model as unknown as Module, imageInput), unmerged, 1e-5, 0);
    model.dispose();
  });

  test('gradients of the CP factors match finite differences', () => {
    const model = getPeftModel(makeCnn(), loha({ r: 2, alpha: 2, use_effective_conv2d: true, target_modules: ['4'] }));
    const x = imageInput();
    expectGradientsMatchFiniteDifferences(model.adapterState('default'), () => tf.tidy(() => tf.sum(tf.square(model.call(x) as tf.Tensor)) as tf.Scalar));
    x.dispose();
    model.dispose();
  });
});

/** A 3x3 convolution then a 1x1 one (peft keeps 1x1 kernels flat even with use_effective_conv2d). */
function makeCnnWithPointwise(): Module {
  manualSeed(13);
  return new Sequential(new Conv2D(3, 4, 3, { padding: 'same' }), new Conv2D(4, 2, 1));
}
