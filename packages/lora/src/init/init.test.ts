import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, getPeftModel, type PeftModel } from '@peftjs/core';
import { expectClose, makeMlp, makeTokenClassifier, mlpInput, onBackend, outputOf, tokenInput, valuesOf } from '../../test/helpers';
import type { LoraLayer } from '../layer/lora-layer';

beforeAll(() => onBackend('cpu'));

const mlpLora = { peft_type: 'LORA', r: 3, lora_alpha: 6, target_modules: ['body.0', 'body.2', 'head'] };
const layer = (model: PeftModel, path: string) => model.baseModel.getSubmodule(path) as unknown as LoraLayer;

describe('init_lora_weights', () => {
  test('true (default): A Kaiming-uniform, B zero, so the output is the base output; embeddings the other way round', () => {
    const base = makeMlp();
    const expected = outputOf(base, mlpInput);
    const model = getPeftModel(base, mlpLora);
    expect(outputOf(model, mlpInput)).toEqual(expected);
    const { a, b } = layer(model, 'body.0').factorMatrices('default');
    expect(valuesOf(b).every((v) => v === 0)).toBe(true);
    expect(valuesOf(a).every((v) => Math.abs(v) <= 1 / Math.sqrt(6))).toBe(true);
    expect(new Set(valuesOf(a)).size).toBe(a.size);
    model.dispose();

    const tokens = getPeftModel(makeTokenClassifier(), { ...mlpLora, target_modules: ['embed'] });
    const embedding = layer(tokens, 'embed').factorMatrices('default');
    expect(valuesOf(embedding.a).every((v) => v === 0)).toBe(true);
    expect(valuesOf(embedding.b).some((v) => Math.abs(v) > 1)).toBe(true); // standard normal
    tokens.dispose();
  });

  test("'gaussian': A normal with std 1/r, B zero; false: both random, so the output moves", () => {
    const model = getPeftModel(makeMlp(), { ...mlpLora, r: 4, init_lora_weights: 'gaussian', target_modules: ['body.2'] });
    const { a, b } = layer(model, 'body.2').factorMatrices('default');
    const values = valuesOf(a);
    const std = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0) / values.length);
    expect(std).toBeGreaterThan(0.25 * 0.6);
    expect(std).toBeLessThan(0.25 * 1.5);
    expect(valuesOf(b).every((v) => v === 0)).toBe(true);
    model.dispose();

    const base = makeMlp();
    const expected = outputOf(base, mlpInput);
    const random = getPeftModel(base, { ...mlpLora, init_lora_weights: false });
    expect(outputOf(random, mlpInput)).not.toEqual(expected);
    random.dispose();
  });

  describe.each([
    ['pissa', {}],
    ['pissa_niter_4', {}],
    ['olora', {}],
    ['pissa', { use_rslora: true }],
    ['olora', { use_dora: true }],
  ])('%s %j', (init, extra) => {
    test('starts at the base output, with the principal part moved from W into the factors', () => {
      const base = makeMlp();
      const expected = outputOf(base, mlpInput);
      const before = valuesOf(base.getParameter('body.0.weight').variable);
      const model = getPeftModel(base, { ...mlpLora, ...extra, init_lora_weights: init });
      expectClose(outputOf(model, mlpInput), expected, 1e-5);
      const lora = layer(model, 'body.0');
      const residual = valuesOf(lora.baseWeight.variable);
      expect(residual).not.toEqual(before);
      // W_res + s B A = W.
      expectClose(tf.tidy(() => valuesOf(tf.add(lora.baseWeight.variable, lora.deltaWeight('default')))), before, 1e-5);
      const { a, b } = lora.factorMatrices('default');
      if (init.startsWith('pissa')) {
        // s B A is the best rank-3 approximation: the residual has W's smaller singular values, the factors its largest.
        const energy = (t: tf.Tensor) => tf.tidy(() => tf.sum(tf.square(t)).dataSync()[0]);
        expect(energy(lora.deltaWeight('default'))).toBeGreaterThan(energy(lora.baseWeight.variable));
        // A's rows and B's columns are orthogonal, scaled by sqrt(S / s).
        const gram = tf.tidy(() => valuesOf(tf.matMul(a, a, false, true)));
        expect(Math.abs(gram[1])).toBeLessThan(1e-5);
      } else {
        // OLoRA: B's columns are orthonormal (Q of a QR).
        expectClose(tf.tidy(() => valuesOf(tf.matMul(b, b, true, false))), [1, 0, 0, 0, 1, 0, 0, 0, 1], 1e-5);
      }
      model.dispose();
    });
  });

  test('PiSSA on an embedding (the weight seen transposed) also starts at the base output', () => {
    const base = makeTokenClassifier();
    const expected = outputOf(base, tokenInput);
    const model = getPeftModel(base, { ...mlpLora, target_modules: ['embed'], init_lora_weights: 'pissa' });
    expectClose(outputOf(model, tokenInput), expected, 1e-5);
    model.dispose();
  });

  test('a rank above the weight allows is a typed error, and the base weights stay as they were', () => {
    const base = makeMlp();
    const before = base.namedParameters().map(([path, p]) => [path, valuesOf(p.variable)]);
    // body.0 and body.2 come first and would fit; the head (3 outputs) does not, and nothing may change.
    expect(() => getPeftModel(base, { ...mlpLora, r: 4, init_lora_weights: 'olora' })).toThrow(InvalidArgumentError);
    expect(() => getPeftModel(base, { ...mlpLora, r: 4, init_lora_weights: 'pissa' })).toThrow(/'head': r must be at most min\(out, in\) = 3 of the weight, found r = 4/);
    expect(base.namedParameters().map(([path, p]) => [path, valuesOf(p.variable)])).toEqual(before);
    expect(() => getPeftModel(base, { ...mlpLora, init_lora_weights: 'loftq' })).toThrow(/init_lora_weights': expected true, false/);
    base.dispose();
  });
});
