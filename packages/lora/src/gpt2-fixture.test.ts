/**
 * The real adapter Python peft wrote for GPT-2 (../shared/fixtures/hf-peft/
 * gpt2-lora-c_attn: LoRA r=8 on every c_attn, a Conv1D, so fan_in_fan_out;
 * SEQ_CLS with 6 labels, so peft saved the `score` head whole although the
 * config says modules_to_save: null), loaded onto @peftjs/models' GPT-2.
 *
 * The base is random with GPT-2's attention shapes (12 layers, hidden 768),
 * which the tensors must fit; the vocabulary, positions and MLP width, which
 * no adapter tensor touches, are shrunk to keep the model small.
 */
import * as tf from '@tensorflow/tfjs-core';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PeftModel, loadAdapterFiles, manualSeed, setWarningHandler, type LoadedAdapter } from '@peftjs/core';
import { GPT2ForSequenceClassification, gpt2Config } from '@peftjs/models';
import { sharedFixture } from '../../core/test/shared-fixtures';
import { expectClose, onBackend, valuesOf } from '../test/helpers';
import { LoraLinear } from './layer/linear';

/*
 * GPT-2's attention weights are 28M numbers. Core draws initial values in
 * JavaScript, which jest's vm context slows about twentyfold (a minute for this
 * model); their values do not matter here, only their shapes, so this file
 * fills them with one tfjs op instead.
 */
jest.mock('../../core/src/nn/init', () => {
  const actual = jest.requireActual('../../core/src/nn/init');
  const tfjs = jest.requireActual('@tensorflow/tfjs-core') as typeof tf;
  let offset = 0;
  return {
    ...actual,
    normal: (shape: number[], mean = 0, std = 1) =>
      tfjs.tidy(() => {
        const size = shape.reduce((a, b) => a * b, 1);
        offset += size;
        return tfjs.reshape(tfjs.add(tfjs.mul(tfjs.sin(tfjs.mul(tfjs.range(offset - size, offset), 12.9898)), std * Math.SQRT2), mean), shape);
      }),
  };
});

const fixture = sharedFixture('hf-peft/gpt2-lora-c_attn');
const FIXTURE = fixture.path;

let file: LoadedAdapter;
let model: PeftModel<never, never>;
const warnings: string[] = [];

function gpt2Base(): GPT2ForSequenceClassification {
  manualSeed(0);
  return new GPT2ForSequenceClassification(gpt2Config({ vocabSize: 64, maxPositions: 16, innerSize: 16, numLabels: 6 })).eval();
}

beforeAll(async () => {
  if (!fixture.present && process.env.CI !== 'true') return; // the tests below are skipped, with the reason
  fixture.requireUnderCi();
  await onBackend('wasm');
  file = await loadAdapterFiles(FIXTURE);
  const previous = setWarningHandler((message) => warnings.push(message));
  const consoleWarn = jest.spyOn(console, 'warn').mockImplementation((message: string) => void warnings.push(message));
  try {
    model = (await PeftModel.fromPretrained(gpt2Base(), FIXTURE)) as unknown as PeftModel<never, never>;
  } finally {
    setWarningHandler(previous);
    consoleWarn.mockRestore();
  }
}, 120_000);

afterAll(() => {
  model?.dispose();
  if (file) tf.dispose(Object.values(file.tensors));
});

fixture.describe('the peft GPT-2 adapter on @peftjs/models GPT-2', () => {
  test('loads without a warning: every key of the real config is known', () => {
    expect(warnings).toEqual([]);
    expect(model.peftConfig.default).toMatchObject({ r: 8, lora_alpha: 8, fan_in_fan_out: true, task_type: 'SEQ_CLS', modules_to_save: null });
  });

  test('places every tensor: 12 c_attn LoRA layers in the Conv1D layout, and the score head as a saved copy', () => {
    const placed = Object.fromEntries(model.adapterState('default').map(([p, parameter]) => [p, parameter]));
    expect(Object.keys(placed)).toHaveLength(25);
    for (let layer = 0; layer < 12; layer++) {
      for (const factor of ['A', 'B']) {
        const inFile = file.tensors[`base_model.model.transformer.h.${layer}.attn.c_attn.lora_${factor}.weight`];
        const inMemory = placed[`base_model.model.transformer.h.${layer}.attn.c_attn.lora_${factor}.default.weight`];
        expect(inMemory.shape).toEqual(inFile.shape);
        expect(valuesOf(inMemory.variable)).toEqual(valuesOf(inFile));
      }
    }
    const score = placed['base_model.model.score.modules_to_save.default.weight'];
    expect(valuesOf(score.variable)).toEqual(valuesOf(file.tensors['base_model.model.score.weight']));
    expect(model.parameters().some((p) => p.trainable)).toBe(false); // loaded for inference, as peft
  });

  test('respects fan_in_fan_out: the update is (B A)ᵀ on the [in, out] weight, and merging computes the same', () => {
    const layer = model.baseModel.getSubmodule('transformer.h.3.attn.c_attn') as unknown as LoraLinear;
    expect(layer).toBeInstanceOf(LoraLinear);
    expect(layer.fanInFanOut).toBe(true);
    expect(layer.baseWeight.shape).toEqual([768, 2304]);
    const worst = tf.tidy(() => {
      const a = file.tensors['base_model.model.transformer.h.3.attn.c_attn.lora_A.weight'];
      const b = file.tensors['base_model.model.transformer.h.3.attn.c_attn.lora_B.weight'];
      const expected = tf.transpose(tf.matMul(b, a)); // scaling 8 / 8 = 1
      return tf.max(tf.abs(tf.sub(layer.deltaWeight('default'), expected))).dataSync()[0];
    });
    expect(worst).toBeLessThan(1e-6);

    const input = { inputIds: tf.tensor2d([[5, 9, 2, 33, 7], [1, 2, 3, 4, 5]], undefined, 'int32') };
    const logits = () => tf.tidy(() => valuesOf((model.call(input as never) as unknown as { logits: tf.Tensor }).logits));
    const adapted = logits();
    expect(adapted).toHaveLength(12);
    expect(model.disableAdapters(logits)).not.toEqual(adapted);
    model.mergeAdapter();
    expectClose(logits(), adapted, 1e-4);
    model.unmergeAdapter();
    tf.dispose(input.inputIds);
  });

  test('saving again writes the same files, byte for byte: tensor names, shapes, values and config', async () => {
    const out = await fsp.mkdtemp(path.join(os.tmpdir(), 'peftjs-lora-fixture-'));
    try {
      await model.saveAdapter(out);
      const saved = await loadAdapterFiles(out);
      expect(Object.keys(saved.tensors).sort()).toEqual(Object.keys(file.tensors).sort());
      for (const [name, tensor] of Object.entries(file.tensors)) {
        expect([name, saved.tensors[name].shape]).toEqual([name, tensor.shape]);
        expect(valuesOf(saved.tensors[name])).toEqual(valuesOf(tensor));
      }
      tf.dispose(Object.values(saved.tensors));
      expect(Object.keys(saved.config).sort()).toEqual(Object.keys(file.config).sort());
      expect(await fsp.readFile(path.join(out, 'adapter_config.json'), 'utf8')).toBe(await fsp.readFile(path.join(FIXTURE, 'adapter_config.json'), 'utf8'));
      expect((await fsp.readFile(path.join(out, 'adapter_model.safetensors'))).equals(await fsp.readFile(path.join(FIXTURE, 'adapter_model.safetensors')))).toBe(true);
    } finally {
      await fsp.rm(out, { recursive: true, force: true });
    }
  });
});
