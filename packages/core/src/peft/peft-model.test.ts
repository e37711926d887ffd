import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onBackend } from '../../test/helpers';
import { SCALE_SHIFT, ScaleShiftLinear } from '../../test/scale-shift-method';
import { GATE } from '../../test/gate-method';
import { INPUT_SHIFT } from '../../test/input-shift-method';
import { runPeftContractTests } from '../testing';
import { InvalidArgumentError, NotFoundError, PeftError, ShapeMismatchError } from '../errors';
import { Activation } from '../nn/layers/activations';
import { Linear } from '../nn/layers/linear';
import { Sequential } from '../nn/layers/sequential';
import { manualSeed } from '../nn/random';
import { Module } from '../nn/module';
import { readSafetensorsHeader } from '../io';
import { getPeftModel, PeftModel } from './peft-model';
import { ModulesToSaveWrapper } from './modules-to-save';
import { isAdapterLayer } from './adapter-layer';
import { getPeftMethod, registeredPeftTypes } from './registry';

/** A classifier with a body and a head, named as a user model would be. */
class Classifier extends Module {
  readonly body: Sequential;
  readonly head: Linear;
  constructor(width = 6) {
    super();
    this.body = this.addModule('body', new Sequential(new Linear(4, 6), new Activation('tanh'), new Linear(6, width), new Activation('tanh')));
    this.head = this.addModule('head', new Linear(width, 3));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.getSubmodule('head').call(this.getSubmodule('body').call(x) as tf.Tensor) as tf.Tensor;
  }
}

function makeBase(): Classifier {
  manualSeed(42);
  return new Classifier();
}

const makeInput = () => tf.tensor2d([[0.1, -0.3, 0.5, 0.9], [1, 0.2, -0.4, 0.3], [-0.6, 0.7, 0.1, -0.2]]);

beforeAll(() => onBackend('cpu'));

const scaleShift = { peft_type: SCALE_SHIFT, target_modules: ['body.0', 'body.2'] };
const gate = { peft_type: GATE, target_modules: ['0', '2'] };

runPeftContractTests({ name: 'scale-shift (mergeable)', makeBase, makeInput, config: scaleShift, mergeable: true });
runPeftContractTests({
  name: 'scale-shift with modules_to_save',
  makeBase,
  makeInput,
  config: { ...scaleShift, modules_to_save: ['head'] },
  otherConfig: { ...scaleShift, target_modules: ['body.2'], modules_to_save: ['head'] },
  mergeable: true,
});
runPeftContractTests({ name: 'gate (not mergeable)', makeBase, makeInput, config: gate, mergeable: false });
runPeftContractTests({ name: 'input shift (a forward transform, like prompt tuning)', makeBase, makeInput, config: { peft_type: INPUT_SHIFT, size: 4 }, mergeable: false });

describe('PeftModel', () => {
  test('wraps target modules under peft paths and prints the trainable line', () => {
    const model = getPeftModel(makeBase(), scaleShift);
    expect(model.adapterState('default').map(([p]) => p)).toEqual([
      'base_model.model.body.0.scale_s.default',
      'base_model.model.body.0.scale_t.default',
      'base_model.model.body.2.scale_s.default',
      'base_model.model.body.2.scale_t.default',
    ]);
    expect(model.baseModel.getSubmodule('body.0')).toBeInstanceOf(ScaleShiftLinear);
    expect(model.printTrainableParameters(() => undefined)).toBe('trainable params: 24 || all params: 117 || trainable%: 20.5128');
    model.dispose();
  });

  test('a new adapter starts at the identity: the output equals the base output', () => {
    const base = makeBase();
    const x = makeInput();
    const expected = Array.from(base.call(x).dataSync());
    const model = getPeftModel(base, scaleShift);
    expect(Array.from(model.call(x).dataSync())).toEqual(expected);
    model.dispose();
  });

  test('adapters of two methods coexist, train together and save and load together', async () => {
    const model = getPeftModel(makeBase(), scaleShift, 'scale');
    model.addAdapter('gate', { ...gate, target_modules: ['head'] });
    model.setAdapter(['scale', 'gate']);
    expect(model.namedParameters().filter(([, p]) => p.trainable).map(([p]) => p)).toEqual([
      'base_model.model.body.0.scale_s.scale',
      'base_model.model.body.0.scale_t.scale',
      'base_model.model.body.2.scale_s.scale',
      'base_model.model.body.2.scale_t.scale',
      'base_model.model.head.gate_g.gate',
    ]);
    for (const [, p] of model.namedParameters().filter(([, q]) => q.trainable)) p.assign(tf.fill(p.shape, 0.3));
    const x = makeInput();
    const both = Array.from(model.call(x).dataSync());
    model.setAdapter('scale');
    const scaleOnly = Array.from(model.call(x).dataSync());
    expect(scaleOnly).not.toEqual(both);

    const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-'));
    try {
      expect(await model.saveAdapter(directory)).toEqual([path.join(directory, 'scale'), path.join(directory, 'gate')]);
      const loaded = await PeftModel.fromPretrained(makeBase(), directory, 'scale');
      await loaded.loadAdapter(directory, 'gate');
      loaded.setAdapter(['scale', 'gate']);
      expect(Array.from(loaded.call(x).dataSync())).toEqual(both);
      loaded.dispose();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    model.dispose();
  });

  test("loading for inference puts the whole model in eval mode, as peft's load_adapter does; loading for training keeps the mode", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-'));
    const inTraining = (model: Module<never, unknown>) => model.namedModules().filter(([, m]) => m.training).map(([p]) => p);
    try {
      const saved = getPeftModel(makeBase(), scaleShift);
      saved.addAdapter('second', scaleShift);
      await saved.saveAdapter(directory);
      saved.dispose();
      // Bases start in training mode, and layers a method adds are made in training mode too.
      const loaded = await PeftModel.fromPretrained(makeBase(), directory);
      expect(inTraining(loaded as unknown as Module<never, unknown>)).toEqual([]);
      loaded.train();
      await loaded.loadAdapter(directory, 'second');
      expect(inTraining(loaded as unknown as Module<never, unknown>)).toEqual([]);
      loaded.dispose();
      const trainable = await PeftModel.fromPretrained(makeBase(), directory, 'default', { isTrainable: true });
      expect(inTraining(trainable as unknown as Module<never, unknown>)).toContain('base_model.model.body.0.scale_s');
      trainable.dispose();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  test("files follow peft's layout: names without the adapter, sorted config keys, inference_mode true", async () => {
    const model = getPeftModel(makeBase(), { ...scaleShift, modules_to_save: ['head'] });
    model.addAdapter('other', scaleShift);
    const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-'));
    try {
      await model.saveAdapter(directory);
      expect((await readdir(directory)).sort()).toEqual(['.peftjs-commit.json', 'adapter_config.json', 'adapter_model.safetensors', 'other']);
      const header = readSafetensorsHeader(await readFile(path.join(directory, 'adapter_model.safetensors')));
      expect(header.tensors.map((t) => t.name)).toEqual([
        'base_model.model.body.0.scale_s',
        'base_model.model.body.0.scale_t',
        'base_model.model.body.2.scale_s',
        'base_model.model.body.2.scale_t',
        'base_model.model.head.bias',
        'base_model.model.head.weight',
      ]);
      const text = await readFile(path.join(directory, 'adapter_config.json'), 'utf8');
      const config = JSON.parse(text);
      expect(Object.keys(config)).toEqual([...Object.keys(config)].sort());
      expect(config).toMatchObject({ peft_type: SCALE_SHIFT, inference_mode: true, init_scale: 0, modules_to_save: ['head'] });
      expect(text).toContain('"init_scale": 0.0');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    model.dispose();
  });

  test('modules_to_save trains a copy per adapter; the original is untouched and mergeAndUnload keeps the copy', () => {
    const model = getPeftModel(makeBase(), { ...scaleShift, modules_to_save: ['head'] });
    const wrapper = model.baseModel.getSubmodule('head');
    expect(wrapper).toBeInstanceOf(ModulesToSaveWrapper);
    expect(model.adapterState('default').map(([p]) => p)).toContain('base_model.model.head.modules_to_save.default.weight');
    const copy = model.baseModel.getParameter('head.modules_to_save.default.weight');
    const original = model.baseModel.getParameter('head.original_module.weight');
    expect(copy.trainable).toBe(true);
    expect(original.trainable).toBe(false);
    copy.assign(tf.zerosLike(copy.variable));
    const x = makeInput();
    const withCopy = Array.from(model.call(x).dataSync());
    const merged = model.mergeAndUnload();
    expect(merged.getSubmodule('head')).toBeInstanceOf(Linear);
    expect(Array.from(merged.call(x).dataSync())).toEqual(withCopy);
    expect(Array.from((merged.getParameter('head.weight').variable).dataSync()).every((v) => v === 0)).toBe(true);
    merged.dispose();
  });

  test('unload restores the base trainable flags; the unloaded PeftModel refuses further use', () => {
    const base = makeBase();
    const headBias = base.getParameter('head.bias');
    const bodyWeight = base.getParameter('body.0.weight');
    headBias.trainable = false;
    const model = getPeftModel(base, scaleShift);
    expect(bodyWeight.trainable).toBe(false);
    model.unload();
    expect(bodyWeight.trainable).toBe(true);
    expect(headBias.trainable).toBe(false);
    expect(() => model.call(makeInput())).toThrow(/was unloaded/);
    base.dispose();
  });

  test('bad configs and names are typed errors, and the model is left as it was', () => {
    const base = makeBase();
    expect(() => getPeftModel(base, { peft_type: 'LORAA' })).toThrow(NotFoundError);
    expect(() => getPeftModel(base, { ...scaleShift, target_modules: ['bodyy.0'] })).toThrow(/match no adaptable module/);
    expect(base.namedModules().some(([, m]) => isAdapterLayer(m))).toBe(false);
    expect(base.parameters().every((p) => p.trainable)).toBe(true);

    const model = getPeftModel(base, scaleShift);
    const x = makeInput();
    const before = Array.from(model.call(x).dataSync());
    const paths = model.namedParameters().map(([p]) => p);
    // body.4 does not exist: the injection fails after wrapping body.0 and must be rolled back.
    expect(() => model.addAdapter('broken', { ...scaleShift, target_modules: ['body.0', 'head'], modules_to_save: ['nothing'] })).toThrow(NotFoundError);
    expect(model.namedParameters().map(([p]) => p)).toEqual(paths);
    expect(model.adapterNames).toEqual(['default']);
    expect(() => model.addAdapter('default', scaleShift)).toThrow(InvalidArgumentError);
    expect(() => model.addAdapter('a.b', scaleShift)).toThrow(InvalidArgumentError);
    expect(() => model.setAdapter('defualt')).toThrow(/no adapter named 'defualt'.*Closest names: default/);
    expect(() => model.addAdapter('x', { ...scaleShift, init_scale: 'big' })).toThrow(/config 'init_scale': expected a number, found 'big'/);
    expect(Array.from(model.call(x).dataSync())).toEqual(before);
    model.dispose();
  });

  test('loading a file whose tensors do not fit is a typed error naming the tensor, and adds nothing', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-'));
    try {
      const saved = getPeftModel(makeBase(), scaleShift);
      await saved.saveAdapter(directory);
      saved.dispose();

      // The same adapter into a base whose body.2 is wider: shapes differ.
      const wider = new Classifier(8);
      const model = getPeftModel(wider, { ...scaleShift, target_modules: ['body.0'] }, 'mine');
      const paths = model.namedParameters().map(([p]) => p);
      const x = makeInput();
      const before = Array.from(model.call(x).dataSync());
      await expect(model.loadAdapter(directory, 'default')).rejects.toThrow(ShapeMismatchError);
      await expect(model.loadAdapter(directory, 'default')).rejects.toThrow(
        "adapter tensor 'base_model.model.body.2.scale_s': expected shape [8], found [6]",
      );
      expect(model.adapterNames).toEqual(['mine']);
      expect(model.namedParameters().map(([p]) => p)).toEqual(paths);
      expect(Array.from(model.call(x).dataSync())).toEqual(before);

      // A base that lacks a module the file names: the config's targets don't match.
      await expect(PeftModel.fromPretrained(new Classifier().body as unknown as Classifier, directory)).rejects.toThrow(NotFoundError);
      model.dispose();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  test('tensors missing from or extra in a file are named in the error', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-'));
    try {
      const saved = getPeftModel(makeBase(), { ...scaleShift, target_modules: ['body.0'] });
      await saved.saveAdapter(directory);
      saved.dispose();
      const configPath = path.join(directory, 'adapter_config.json');
      const config = JSON.parse(await readFile(configPath, 'utf8'));
      await writeFile(configPath, JSON.stringify({ ...config, target_modules: ['body.0', 'body.2'] }));
      const base = makeBase();
      await expect(PeftModel.fromPretrained(base, directory)).rejects.toThrow(
        /missing \[base_model\.model\.body\.2\.scale_s, base_model\.model\.body\.2\.scale_t\], unexpected \[\]/,
      );
      // The failed load left the base as it was.
      expect(base.namedModules().some(([, m]) => isAdapterLayer(m))).toBe(false);
      expect(base.parameters().every((p) => p.trainable && !p.isDisposed)).toBe(true);
      base.dispose();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  test('an input-side adapter composes with a weight adapter, saves as one top-level tensor, and unloads', async () => {
    const base = makeBase();
    const x = makeInput();
    const model = getPeftModel(base, { peft_type: INPUT_SHIFT, size: 4 }, 'shift');
    model.addAdapter('scale', scaleShift);
    model.setAdapter(['shift', 'scale']);
    expect(model.adapterState('shift').map(([p]) => p)).toEqual(['input_shift.shift.shift']);
    model.getParameter('input_shift.shift.shift').assign(tf.tensor1d([1, 0, -1, 0.5]));
    for (const [, p] of model.adapterState('scale')) p.assign(tf.fill(p.shape, 0.2));
    const both = Array.from(model.call(x).dataSync());
    const shifted = tf.add(x, tf.tensor1d([1, 0, -1, 0.5]));
    model.setAdapter('scale');
    expect(both).toEqual(Array.from(model.call(shifted).dataSync()));
    model.setAdapter(['shift', 'scale']);
    expect(model.disableAdapters(() => Array.from(model.call(x).dataSync()))).toEqual(Array.from(makeBase().call(x).dataSync()));
    const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-'));
    try {
      await model.saveAdapter(directory, { adapterNames: ['shift'] });
      const header = readSafetensorsHeader(await readFile(path.join(directory, 'shift', 'adapter_model.safetensors')));
      expect(header.tensors.map((t) => t.name)).toEqual(['input_shift']);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    expect(() => model.mergeAndUnload()).toThrow(/changes the model's inputs/);
    const unloaded = model.unload();
    expect(Array.from(unloaded.call(x).dataSync())).toEqual(Array.from(makeBase().call(x).dataSync()));
    expect(model.parameters().filter((p) => p.isDisposed).length).toBe(0);
    unloaded.dispose();
  });

  test('the registry lists methods and names the package to import for an unknown one', () => {
    expect(registeredPeftTypes()).toEqual(expect.arrayContaining([SCALE_SHIFT, GATE]));
    expect(() => getPeftMethod('LORA')).toThrow(/import its package, e.g. @peftjs\/lora/);
    expect(PeftError).toBeDefined();
    expect(ShapeMismatchError).toBeDefined();
  });
});
