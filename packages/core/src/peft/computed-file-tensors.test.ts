/**
 * PeftMethod.computedFileTensors and fileName null: an adapter whose files hold
 * a tensor computed from its parameters rather than the parameters themselves
 * (peft's get_prompt_embedding_to_save, used by P-tuning and prefix projection).
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onBackend } from '../../test/helpers';
import { COMPUTED_SHIFT, COMPUTED_SHIFT_FILE_NAME, computedShiftMethod, computedShiftOf } from '../../test/computed-shift-method';
import { runPeftContractTests } from '../testing';
import { PeftError } from '../errors';
import { decodeSafetensorsRaw } from '../io';
import { Activation } from '../nn/layers/activations';
import { Linear } from '../nn/layers/linear';
import { Sequential } from '../nn/layers/sequential';
import { manualSeed } from '../nn/random';
import type { Module } from '../nn/module';
import { adapterFileNames } from './adapter-files';
import { AdapterStateError } from './errors';
import { getPeftModel, PeftModel } from './peft-model';
import { defineConfigSchema } from './config/schema';
import { fields } from './config/fields';
import { registerPeftMethod, unregisterPeftMethod } from './registry';
import type { PeftMethod } from './method';

function makeBase(): Module<tf.Tensor, tf.Tensor> {
  manualSeed(7);
  return new Sequential(new Linear(4, 5), new Activation('tanh'), new Linear(5, 3)) as unknown as Module<tf.Tensor, tf.Tensor>;
}

const makeInput = () => tf.tensor2d([[0.1, -0.3, 0.5, 0.9], [1, 0.2, -0.4, 0.3]]);
const config = { peft_type: COMPUTED_SHIFT, size: 4 };

const outputOf = (model: Module<tf.Tensor, tf.Tensor>) => tf.tidy(() => Array.from(model.call(makeInput()).dataSync()));

/** Every parameter of a model: path, value, trainable flag. */
const snapshot = (model: Module<tf.Tensor, tf.Tensor>) => model.namedParameters().map(([p, v]) => [p, Array.from(v.variable.dataSync()), v.trainable]);

/** A training-form adapter moved off its identity: table [1, 2, 3, 4], scale [0.5, -1, 2, 0.25]. */
function trainedModel(): PeftModel<tf.Tensor, tf.Tensor> {
  const model = getPeftModel(makeBase(), config);
  const module = computedShiftOf(model as never, 'default');
  module.table.assign(tf.tensor1d([1, 2, 3, 4]));
  module.scale!.assign(tf.tensor1d([0.5, -1, 2, 0.25]));
  return model;
}

async function withDirectory<T>(fn: (directory: string) => Promise<T>): Promise<T> {
  const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-computed-'));
  try {
    return await fn(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Registers a variant of the test method under another peft type for one test. */
async function withVariant(peftType: string, overrides: Partial<PeftMethod>, fn: () => Promise<void>): Promise<void> {
  const schema = defineConfigSchema(peftType, { size: fields.positiveInteger(undefined) });
  registerPeftMethod({ ...(computedShiftMethod as unknown as PeftMethod), ...overrides, peftType, schema });
  try {
    await fn();
  } finally {
    unregisterPeftMethod(peftType);
  }
}

beforeAll(() => onBackend('cpu'));

runPeftContractTests({ name: 'computed shift (files hold a computed tensor)', makeBase, makeInput, config, mergeable: false });

describe('computed file tensors', () => {
  test('the file holds the computed tensor and not the parameters named null; saving changes nothing and leaks nothing', async () => {
    const model = trainedModel();
    expect([...adapterFileNames(model as never, 'default').keys()]).toEqual([]);
    const before = snapshot(model);
    const output = outputOf(model);
    const tensors = tf.memory().numTensors;
    await withDirectory(async (directory) => {
      await model.saveAdapter(directory);
      expect(tf.memory().numTensors).toBe(tensors);
      const file = decodeSafetensorsRaw(await readFile(path.join(directory, 'adapter_model.safetensors')));
      expect(Object.keys(file.tensors)).toEqual([COMPUTED_SHIFT_FILE_NAME]);
      expect(file.tensors[COMPUTED_SHIFT_FILE_NAME].shape).toEqual([4]);
      expect(Array.from(file.tensors[COMPUTED_SHIFT_FILE_NAME].data as Float32Array)).toEqual([0.5, -2, 6, 1]);
      expect(JSON.parse(await readFile(path.join(directory, 'adapter_config.json'), 'utf8'))).toMatchObject({ inference_mode: true });
    });
    // Still the training form: same parameters, values and flags, same config and output.
    expect(snapshot(model)).toEqual(before);
    expect(model.peftConfig.default.inference_mode).toBe(false);
    expect(model.adapterState('default').map(([p, v]) => [p, v.trainable])).toEqual([
      ['computed_shift.default.table', true],
      ['computed_shift.default.scale', true],
    ]);
    expect(outputOf(model)).toEqual(output);
    model.dispose();
  });

  test('the file loads into the inference form, with the outputs of the live training form', async () => {
    const model = trainedModel();
    const expected = outputOf(model);
    await withDirectory(async (directory) => {
      await model.saveAdapter(directory);
      const loaded = await PeftModel.fromPretrained(makeBase(), directory);
      expect(loaded.adapterState('default').map(([p, v]) => [p, v.shape, v.trainable])).toEqual([['computed_shift.default.table', [4], false]]);
      expect(outputOf(loaded)).toEqual(expected);
      loaded.dispose();
    });
    model.dispose();
  });

  test('loading the file for training (the form that computes it) is an AdapterStateError saying to load for inference, and adds nothing', async () => {
    const model = trainedModel();
    await withDirectory(async (directory) => {
      await model.saveAdapter(directory);
      const base = makeBase();
      const tensors = tf.memory().numTensors;
      const loading = PeftModel.fromPretrained(base, directory, 'default', { isTrainable: true });
      await expect(loading).rejects.toThrow(AdapterStateError);
      await expect(loading).rejects.toThrow(
        /TEST_COMPUTED_SHIFT adapter 'default': the file holds \[computed_shift\], which this form of the adapter computes when saving, from \[computed_shift\.default\.table, computed_shift\.default\.scale\].*Load it for inference instead \(isTrainable false/,
      );
      expect(tf.memory().numTensors).toBe(tensors);
      expect(base.parameters().every((p) => p.trainable && !p.isDisposed)).toBe(true);
      // Into a live PeftModel: the adapter is not added.
      const other = getPeftModel(makeBase(), config, 'other');
      await expect(other.loadAdapter(directory, 'default', { isTrainable: true })).rejects.toThrow(AdapterStateError);
      expect(other.adapterNames).toEqual(['other']);
      other.dispose();
      base.dispose();
    });
    model.dispose();
  });

  test('the computed tensors are disposed when writing fails, and the model is unchanged', async () => {
    const model = trainedModel();
    const before = snapshot(model);
    await withDirectory(async (directory) => {
      // A file where the adapter folder should go: making the folder fails.
      const blocked = path.join(directory, 'blocked');
      await writeFile(blocked, 'not a folder');
      const tensors = tf.memory().numTensors;
      await expect(model.saveAdapter(blocked)).rejects.toThrow();
      expect(tf.memory().numTensors).toBe(tensors);
    });
    expect(snapshot(model)).toEqual(before);
    model.dispose();
  });

  test("a computed name that is also a parameter's file name is a typed error; nothing is written or leaked", async () => {
    // The variant names the training form's parameters as the inference form's: `computed_shift` twice.
    await withVariant('TEST_COLLIDING_SHIFT', { fileName: (p) => (p.startsWith('computed_shift.default.table') ? COMPUTED_SHIFT_FILE_NAME : null) }, async () => {
      const model = getPeftModel(makeBase(), { ...config, peft_type: 'TEST_COLLIDING_SHIFT' });
      await withDirectory(async (directory) => {
        const tensors = tf.memory().numTensors;
        const saving = model.saveAdapter(directory);
        await expect(saving).rejects.toThrow(PeftError);
        await expect(saving).rejects.toMatchObject({
          code: 'FILE_NAME_COLLISION',
          message: expect.stringContaining("computed file tensor 'computed_shift' has the file name of parameter 'computed_shift.default.table'"),
        });
        expect(tf.memory().numTensors).toBe(tensors);
        expect(await readdir(directory)).toEqual([]);
      });
      model.dispose();
    });
  });

  test('computed tensors must be new: returning a parameter is a typed error that leaves the parameter alone', async () => {
    await withVariant(
      'TEST_LEAKY_SHIFT',
      { computedFileTensors: (model, name) => ({ [COMPUTED_SHIFT_FILE_NAME]: computedShiftOf(model, name).table.variable }) },
      async () => {
        const model = getPeftModel(makeBase(), { ...config, peft_type: 'TEST_LEAKY_SHIFT' });
        await withDirectory(async (directory) => {
          await expect(model.saveAdapter(directory)).rejects.toMatchObject({ code: 'COMPUTED_FILE_TENSOR', message: expect.stringContaining('must return new tensors') });
        });
        expect(computedShiftOf(model as never, 'default').table.isDisposed).toBe(false);
        expect(outputOf(model)).toHaveLength(6);
        model.dispose();
      },
    );
  });
});
