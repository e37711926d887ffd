import * as tf from '@tensorflow/tfjs-core';
import { Linear, Module, NotFoundError, PeftModel, Sequential, adapterFileNames, forwardMixedBatch, getPeftModel, loadAdapterFiles, manualSeed, saveAdapterFiles, setWarningHandler, type Parameter } from '@peftjs/core';
import { runPeftContractTests } from '@peftjs/core/testing';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectGradientsMatchFiniteDifferences, logitsLoss, makeGpt2, onBackend, perturb, readLogits, tokenInput } from '../../test/helpers';
import { UnsupportedTargetError } from '../errors';
import { LNTuningLayer } from './layer';

beforeAll(() => onBackend('cpu'));

const LN = { peft_type: 'LN_TUNING' };
const NORMS = ['transformer.h.0.ln_1', 'transformer.h.0.ln_2', 'transformer.h.1.ln_1', 'transformer.h.1.ln_2', 'transformer.ln_f'];

const logitsOf = (model: Module<never, unknown>): number[] => {
  const input = tokenInput();
  try {
    return tf.tidy(() => readLogits((model as unknown as Module).call(input as never) as never));
  } finally {
    tf.dispose(input.inputIds);
  }
};
const values = (p: Parameter) => Array.from(p.variable.dataSync());

/** An RMSNorm as @peftjs/models' Llama has it: one weight vector, no bias. */
class RMSNorm extends Module {
  readonly weight: Parameter;
  constructor(size: number) {
    super();
    this.weight = this.addParameter('weight', tf.ones([size]));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-6))), this.weight.read()));
  }
}

describe('LN_TUNING', () => {
  test("GPT-2 defaults are peft's (ln_1, ln_2, ln_f); parameters and file keys keep ln_tuning_layers and drop the adapter name", () => {
    const model = getPeftModel(makeGpt2(), LN);
    expect(model.peftConfig.default.target_modules).toEqual(['ln_1', 'ln_2', 'ln_f']);
    expect(NORMS.every((p) => model.baseModel.getSubmodule(p) instanceof LNTuningLayer)).toBe(true);
    expect(model.adapterState('default').map(([name, p]) => `${name} [${p.shape}]`).slice(0, 2)).toEqual([
      'base_model.model.transformer.h.0.ln_1.ln_tuning_layers.default.weight [16]',
      'base_model.model.transformer.h.0.ln_1.ln_tuning_layers.default.bias [16]',
    ]);
    expect([...adapterFileNames(model as never, 'default').keys()].slice(0, 2)).toEqual([
      'base_model.model.transformer.h.0.ln_1.ln_tuning_layers.weight',
      'base_model.model.transformer.h.0.ln_1.ln_tuning_layers.bias',
    ]);
    // Only the copies train: 5 norms x (weight + bias) x 16.
    expect(model.countParameters().trainable).toBe(160);
    model.dispose();
  });

  test('forward equals the base model with the copies put into its norms by hand', () => {
    const model = getPeftModel(makeGpt2(), LN);
    perturb(model.adapterState('default'), 1);
    const byHand = makeGpt2();
    for (const norm of NORMS) {
      const copy = (model.baseModel.getSubmodule(norm) as unknown as LNTuningLayer).copies.get('default') as unknown as Module;
      for (const [name, p] of copy.namedParameters()) byHand.getParameter(`${norm}.${name}`).assign(p.variable);
    }
    expect(logitsOf(model as never)).toEqual(logitsOf(byHand as never));
    model.dispose();
    byHand.dispose();
  });

  test('a training step changes only the copies (the base norms bit-identical) and leaks no tensors', () => {
    const model = getPeftModel(makeGpt2(), LN);
    const base = new Map(model.baseModel.namedParameters().filter(([n]) => !n.includes('ln_tuning_layers')).map(([n, p]) => [n, values(p)]));
    const copies = model.adapterState('default').map(([, p]) => values(p));
    const before = tf.memory().numTensors;
    const input = tokenInput();
    const trainable = model.parameters().filter((p) => p.trainable).map((p) => p.variable);
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => logitsLoss(model.call(input as never) as never), trainable);
      for (const v of trainable) v.assign(tf.sub(v, tf.mul(0.1, grads[v.name])));
    });
    tf.dispose(input.inputIds);
    expect(tf.memory().numTensors).toBe(before);
    for (const [name, p] of model.baseModel.namedParameters()) {
      if (name.includes('ln_tuning_layers')) continue;
      expect([name, values(p)]).toEqual([name, base.get(name)]);
    }
    const moved = model.adapterState('default').filter(([, p], i) => values(p).some((v, k) => v !== copies[i][k]));
    expect(moved.length).toBe(10);
    model.dispose();
  });

  test('gradients of the copies agree with finite differences', () => {
    const model = getPeftModel(makeGpt2(), { ...LN, target_modules: ['ln_f'] });
    perturb(model.adapterState('default'), 11);
    const input = tokenInput();
    expectGradientsMatchFiniteDifferences(model.adapterState('default'), () => logitsLoss(model.call(input as never) as never), { epsilon: 1e-2, atol: 2e-3, rtol: 2e-2 });
    tf.dispose(input.inputIds);
    model.dispose();
  });

  test('merge swaps the copy in and unmerge swaps it back, bit for bit; a second adapter merged first unmerges the first', () => {
    const warnings: string[] = [];
    const previous = setWarningHandler((message) => warnings.push(message));
    try {
      const model = getPeftModel(makeGpt2(), LN, 'a');
      model.addAdapter('b', LN);
      perturb(model.adapterState('a'), 2);
      perturb(model.adapterState('b'), 3);
      const layer = model.baseModel.getSubmodule('transformer.ln_f') as unknown as LNTuningLayer;
      const base = values(layer.baseLayer.parameters()[0]);
      const a = values(layer.copies.get('a').parameters()[0]);
      const unmerged = logitsOf(model as never);
      const before = tf.memory().numTensors;
      model.mergeAdapter(['a']);
      expect(values(layer.baseLayer.parameters()[0])).toEqual(a);
      expect(logitsOf(model as never)).toEqual(unmerged);
      model.unmergeAdapter();
      expect(values(layer.baseLayer.parameters()[0])).toEqual(base);
      expect(values(layer.copies.get('a').parameters()[0])).toEqual(a);
      expect(tf.memory().numTensors).toBe(before);
      model.setAdapter('b');
      const b = logitsOf(model as never);
      model.mergeAdapter(['a']);
      model.mergeAdapter(['b']);
      expect(warnings[0]).toMatch(/'a' is merged into this layer; unmerging it to merge 'b'/);
      expect(logitsOf(model as never)).toEqual(b);
      model.unmergeAdapter();
      expect(values(layer.baseLayer.parameters()[0])).toEqual(base);
      const unloaded = model.mergeAndUnload();
      expect(logitsOf(unloaded as never)).toEqual(b);
      unloaded.dispose();
    } finally {
      setWarningHandler(previous);
    }
  });

  test('several adapters: one runs at a time (two active is an error, as peft), disable gives the base, delete frees the copies', () => {
    const base = makeGpt2();
    const plain = logitsOf(base as never);
    const model = getPeftModel(base, LN, 'a');
    model.addAdapter('b', { ...LN, target_modules: ['ln_f'] });
    perturb(model.adapterState('a'), 4);
    perturb(model.adapterState('b'), 5);
    const a = logitsOf(model as never);
    model.setAdapter(['a', 'b']);
    expect(() => logitsOf(model as never)).toThrow(/one adapter at a time can replace a norm layer, found 2 active \(a, b\)/);
    model.setAdapter('b');
    expect(logitsOf(model as never)).not.toEqual(a);
    expect(model.disableAdapters(() => logitsOf(model as never))).toEqual(plain);
    const before = tf.memory().numTensors;
    model.deleteAdapter('b');
    expect(tf.memory().numTensors).toBe(before - 2);
    expect(model.activeAdapters).toEqual(['a']);
    expect(logitsOf(model as never)).toEqual(a);
    model.dispose();
  });

  test("a mixed-adapter batch runs each row through its adapter's copies (or the norms, for __base__)", () => {
    const model = getPeftModel(makeGpt2(), LN, 'a');
    model.addAdapter('b', { ...LN, target_modules: ['ln_f'] });
    perturb(model.adapterState('a'), 7);
    perturb(model.adapterState('b'), 8);
    const input = tokenInput(3);
    const names = ['b', '__base__', 'a'];
    const alone = names.map((name, row) => {
      const run = () => tf.tidy(() => Array.from(tf.gather((model.call(input as never) as { logits: tf.Tensor }).logits, [row]).dataSync()));
      if (name === '__base__') return model.disableAdapters(run);
      model.setAdapter(name);
      return run();
    });
    const mixed = tf.tidy(() => (forwardMixedBatch(model, input as never, names) as { logits: tf.Tensor }).logits.arraySync() as number[][][]);
    expect(mixed.map((row) => row.flat())).toEqual(alone);
    tf.dispose(input.inputIds);
    model.dispose();
  });

  test('any module whose parameters are all vectors is a norm (an RMSNorm); others are an UnsupportedTargetError, nothing changed', () => {
    manualSeed(1);
    const net = new Sequential(new Linear(4, 4), new RMSNorm(4));
    const x = tf.tensor2d([[1, -2, 3, 0.5]]);
    const model = getPeftModel(net, { ...LN, target_modules: ['1'] });
    perturb(model.adapterState('default'), 6);
    const w = values(model.adapterState('default')[0][1]);
    const expected = tf.tidy(() => {
      const h = (model.baseModel.getSubmodule('0') as unknown as Module).call(x);
      return Array.from(tf.mul(tf.mul(h, tf.rsqrt(tf.add(tf.mean(tf.square(h), -1, true), 1e-6))), tf.tensor1d(w)).dataSync());
    });
    expect(tf.tidy(() => Array.from((model.call(x) as tf.Tensor).dataSync()))).toEqual(expected);
    model.dispose();

    const fresh = makeGpt2();
    const names = fresh.namedModules().map(([n]) => n);
    const refuse = () => getPeftModel(fresh, { ...LN, target_modules: ['ln_f', 'c_attn'] });
    expect(refuse).toThrow(UnsupportedTargetError);
    expect(refuse).toThrow("LN_TUNING: 'transformer.h.0.attn.c_attn' is a Conv1D; expected a norm layer (parameters that are all vectors), found parameter 'weight' of shape [16, 48]");
    expect(fresh.namedModules().map(([n]) => n)).toEqual(names);
    expect(() => getPeftModel(new Sequential(new Linear(2, 2)), LN)).toThrow(NotFoundError);
    x.dispose();
    fresh.dispose();
  });

  test("a file with peft's key names and adapter_config.json loads tensor for tensor and saves back the same keys and config", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-ln-'));
    const again = await mkdtemp(path.join(tmpdir(), 'peftjs-ln-again-'));
    try {
      // As peft 0.17's LNTuningConfig.to_dict() writes it (target_modules from a set, so in any order).
      const config = {
        auto_mapping: null,
        base_model_name_or_path: 'gpt2',
        exclude_modules: null,
        inference_mode: true,
        modules_to_save: null,
        peft_type: 'LN_TUNING',
        revision: null,
        target_modules: ['ln_f', 'ln_2', 'ln_1'],
        task_type: 'CAUSAL_LM',
      };
      const tensors: Record<string, tf.Tensor> = {};
      NORMS.forEach((norm, i) => {
        tensors[`base_model.model.${norm}.ln_tuning_layers.weight`] = tf.fill([16], 1 + i / 10);
        tensors[`base_model.model.${norm}.ln_tuning_layers.bias`] = tf.fill([16], -i / 10);
      });
      await saveAdapterFiles(directory, { config, tensors });
      const model = await PeftModel.fromPretrained(makeGpt2(), directory);
      for (const [name, tensor] of Object.entries(tensors)) {
        const parameter = adapterFileNames(model as never, 'default').get(name)![1];
        expect([name, values(parameter)]).toEqual([name, Array.from(tensor.dataSync())]);
      }
      await model.saveAdapter(again);
      const written = await loadAdapterFiles(again);
      expect(Object.keys(written.tensors).sort()).toEqual(Object.keys(tensors).sort());
      for (const [name, tensor] of Object.entries(written.tensors)) expect([name, Array.from(tensor.dataSync())]).toEqual([name, Array.from(tensors[name].dataSync())]);
      expect(JSON.parse(await readFile(path.join(again, 'adapter_config.json'), 'utf8'))).toEqual(config);
      tf.dispose([...Object.values(tensors), ...Object.values(written.tensors)]);
      model.dispose();
    } finally {
      await rm(directory, { recursive: true, force: true });
      await rm(again, { recursive: true, force: true });
    }
  });
});

runPeftContractTests({
  name: "LN_TUNING on GPT-2 (peft's defaults: ln_1, ln_2, ln_f)",
  makeBase: () => makeGpt2(),
  makeInput: () => tokenInput(),
  read: readLogits,
  loss: logitsLoss,
  config: LN,
  otherConfig: { ...LN, target_modules: ['ln_f'] },
  mergeable: true,
});
