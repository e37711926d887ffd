import * as tf from '@tensorflow/tfjs-core';
import { Linear, Module, NotMergeableError, getPeftModel, manualSeed, type PeftModel } from '@peftjs/core';
import { expectClose, imageInput, makeCnn, makeMlp, mlpInput, onBackend, outputOf, valuesOf } from '../../test/helpers';
import { NonFiniteMergeError } from '../errors';
import type { LoraLayer } from './lora-layer';

beforeAll(() => onBackend('cpu'));

const lora = { peft_type: 'LORA', target_modules: ['body.0', 'body.2', 'head'], init_lora_weights: false };
const weightsOf = (model: PeftModel) => model.baseModel.namedParameters().filter(([p]) => p.includes('base_layer')).map(([p, v]) => [p, valuesOf(v.variable)] as const);

describe('merging', () => {
  test.each([
    ['LoRA', {}],
    ['rsLoRA', { use_rslora: true }],
    ['DoRA', { use_dora: true }],
  ])('%s: several adapters merged one after the other give the unmerged output; unmerging in reverse restores W', (variant, extra) => {
    const model = getPeftModel(makeMlp(), { ...lora, ...extra, r: 2, lora_alpha: 5 }, 'a');
    model.addAdapter('b', { ...lora, ...extra, r: 3, lora_alpha: 2, target_modules: ['body.2', 'head'] });
    model.setAdapter(['a', 'b']);
    const original = weightsOf(model);
    const unmerged = outputOf(model, mlpInput);
    model.mergeAdapter(['a']);
    // Half merged: 'a' in the weights, 'b' still computed beside them.
    if (variant !== 'DoRA') expectClose(outputOf(model, mlpInput), unmerged, 1e-5);
    model.mergeAdapter(['b']);
    const layer = model.baseModel.getSubmodule('head') as unknown as LoraLayer;
    expect(layer.mergedAdapters()).toEqual(['a', 'b']);
    // DoRA normalises by the weight it merges into, so stacked DoRA merges differ from the stacked unmerged
    // forward (as in peft); one DoRA adapter merges exactly (see the contract tests).
    if (variant !== 'DoRA') expectClose(outputOf(model, mlpInput), unmerged, 1e-5);
    model.unmergeAdapter();
    weightsOf(model).forEach(([, values], i) => expectClose(values, original[i][1], 1e-5));
    expectClose(outputOf(model, mlpInput), unmerged, 1e-5);
    model.dispose();
  });

  test.each([['LoRA', {}], ['DoRA', { use_dora: true }]])('%s on a dilated, padded Conv2D merges exactly (lora_A keeps the dilation)', (_variant, extra) => {
    const model = getPeftModel(makeCnn(11, 2), { ...lora, ...extra, r: 2, target_modules: ['0', '2', '4'] });
    const unmerged = outputOf(model, imageInput);
    model.mergeAdapter();
    expectClose(outputOf(model, imageInput), unmerged, 1e-5);
    model.dispose();
  });

  test('safe mode refuses non-finite results and leaves the weights unchanged', () => {
    const model = getPeftModel(makeMlp(), { ...lora, r: 2, target_modules: ['head'] });
    const layer = model.baseModel.getSubmodule('head') as unknown as LoraLayer;
    layer.setFactors('default', tf.fill([2, 8], NaN) as tf.Tensor2D, tf.ones([3, 2]) as tf.Tensor2D);
    const before = weightsOf(model);
    expect(() => model.mergeAdapter(undefined, { safe: true })).toThrow(NonFiniteMergeError);
    expect(weightsOf(model)).toEqual(before);
    expect(layer.mergedAdapters()).toEqual([]);
    model.dispose();
  });

  test('a safe merge failing in a later layer undoes the merges already made in earlier layers (PeftModel.mergeAdapter and mergeAndUnload)', () => {
    const model = getPeftModel(makeMlp(), { ...lora, r: 2 }, 'a');
    model.addAdapter('b', { ...lora, r: 2 });
    model.setAdapter(['a', 'b']);
    // body.0 and body.2 merge fine; head's adapter b holds a NaN, and head is the last layer merged.
    const head = model.baseModel.getSubmodule('head') as unknown as LoraLayer;
    head.setFactors('b', tf.fill([2, 8], NaN) as tf.Tensor2D, tf.ones([3, 2]) as tf.Tensor2D);
    const before = weightsOf(model);
    model.setAdapter('a');
    const outputA = outputOf(model, mlpInput);
    model.setAdapter(['a', 'b']);
    expect(() => model.mergeAdapter(undefined, { safe: true })).toThrow(NonFiniteMergeError);
    expect(weightsOf(model)).toEqual(before);
    for (const path of ['body.0', 'body.2', 'head']) expect((model.baseModel.getSubmodule(path) as unknown as LoraLayer).mergedAdapters()).toEqual([]);
    // An adapter merged before the call stays merged: only this call's merges are undone.
    model.mergeAdapter(['a']);
    const mergedA = weightsOf(model);
    expect(() => model.mergeAdapter(['b'], { safe: true })).toThrow(NonFiniteMergeError);
    expect(weightsOf(model)).toEqual(mergedA);
    expect((model.baseModel.getSubmodule('body.0') as unknown as LoraLayer).mergedAdapters()).toEqual(['a']);
    model.unmergeAdapter();
    const unmerged = weightsOf(model); // equal to `before` up to rounding: unmerging subtracts
    expect(() => model.mergeAndUnload({ safe: true })).toThrow(NonFiniteMergeError);
    expect(weightsOf(model)).toEqual(unmerged);
    model.setAdapter('a');
    expectClose(outputOf(model, mlpInput), outputA, 1e-6); // still a working PeftModel
    model.dispose();
  });

  test('a LoRA bias folds into the base bias; a base without bias cannot take it: NotMergeableError, nothing changed', () => {
    const model = getPeftModel(makeMlp(), { ...lora, r: 2, lora_bias: true });
    const layer = model.baseModel.getSubmodule('head') as unknown as LoraLayer;
    model.adapterState('default').filter(([p]) => p.endsWith('lora_B.default.bias')).forEach(([, p]) => p.assign(tf.fill(p.shape, 0.25)));
    const unmerged = outputOf(model, mlpInput);
    const bias = valuesOf(layer.baseBias!.variable);
    model.mergeAdapter();
    expectClose(outputOf(model, mlpInput), unmerged, 1e-5);
    expectClose(valuesOf(layer.baseBias!.variable), bias.map((b) => b + 0.25 * (8 / 2) / 1), 1e-6);
    model.unmergeAdapter();
    expectClose(valuesOf(layer.baseBias!.variable), bias, 1e-6);
    model.dispose();

    class NoBias extends Module {
      constructor() {
        super();
        manualSeed(3);
        this.addModule('fc', new Linear(6, 3, { bias: false }));
        this.addModule('out', new Linear(3, 2));
      }
      forward(x: tf.Tensor): tf.Tensor {
        return tf.tidy(() => this.getSubmodule('out').call(this.getSubmodule('fc').call(x)) as tf.Tensor);
      }
    }
    const plain = getPeftModel(new NoBias(), { ...lora, r: 2, lora_bias: true, target_modules: ['fc', 'out'] });
    const weights = weightsOf(plain);
    const output = outputOf(plain, mlpInput);
    expect(() => plain.mergeAdapter()).toThrow(NotMergeableError);
    expect(() => plain.mergeAndUnload()).toThrow(NotMergeableError);
    expect(weightsOf(plain)).toEqual(weights);
    expect(outputOf(plain, mlpInput)).toEqual(output);
    plain.dispose();
  });

  test('mergeAndUnload and unload: the plain base model back, with or without the update', () => {
    const base = makeMlp();
    const baseOutput = outputOf(base, mlpInput);
    const model = getPeftModel(base, { ...lora, r: 2, use_dora: true });
    const adapted = outputOf(model, mlpInput);
    const merged = model.mergeAndUnload({ safe: true });
    expect(merged).toBe(base);
    expect(merged.getSubmodule('head')).toBeInstanceOf(Linear);
    expectClose(outputOf(merged, mlpInput), adapted, 1e-5);
    expect(merged.parameters().every((p) => p.trainable)).toBe(true);

    const again = getPeftModel(makeMlp(), { ...lora, r: 2 });
    const unloaded = again.unload();
    expect(outputOf(unloaded, mlpInput)).toEqual(baseOutput);
    merged.dispose();
    unloaded.dispose();
  });
});
