/**
 * The real peft GPT-2 adapter (../shared/fixtures/hf-peft/gpt2-lora-c_attn)
 * with its config edited as other peft releases write it: both SEQ_CLS heads
 * listed (peft's PeftModelForSequenceClassification adds them), and without
 * the keys newer than peft v0.6.0. Each loads and saves back byte for byte.
 */
import * as tf from '@tensorflow/tfjs-core';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { NotFoundError, PeftModel, manualSeed } from '@peftjs/core';
import { GPT2ForSequenceClassification, gpt2Config } from '@peftjs/models';
import { onBackend } from '../test/helpers';

// As in gpt2-fixture.test.ts: initial values by one tfjs op (their values do not matter, only shapes).
jest.mock('../../core/src/nn/init', () => {
  const actual = jest.requireActual('../../core/src/nn/init');
  const tfjs = jest.requireActual('@tensorflow/tfjs-core') as typeof tf;
  return { ...actual, normal: (shape: number[], mean = 0, std = 1) => tfjs.tidy(() => tfjs.add(tfjs.mul(tfjs.randomNormal(shape, 0, 1, 'float32', 7), std), mean)) };
});

const FIXTURE = path.resolve(__dirname, '../../..', '../shared/fixtures/hf-peft/gpt2-lora-c_attn');

const gpt2Base = () => {
  manualSeed(0);
  return new GPT2ForSequenceClassification(gpt2Config({ vocabSize: 64, maxPositions: 16, innerSize: 16, numLabels: 6 })).eval();
};

beforeAll(() => onBackend('wasm'));

/** The fixture with `edit` applied to its config (peft's format: sorted keys, indent 2, 0.0 for floats). */
async function editedFixture(directory: string, edit: (config: Record<string, unknown>) => void): Promise<string> {
  const original = await readFile(path.join(FIXTURE, 'adapter_config.json'), 'utf8');
  const config = JSON.parse(original) as Record<string, unknown>;
  edit(config);
  const sorted = Object.fromEntries(Object.keys(config).sort().map((key) => [key, config[key]]));
  const text = JSON.stringify(sorted, null, 2).replace('"lora_dropout": 0', '"lora_dropout": 0.0');
  await writeFile(path.join(directory, 'adapter_config.json'), text);
  await copyFile(path.join(FIXTURE, 'adapter_model.safetensors'), path.join(directory, 'adapter_model.safetensors'));
  return text;
}

async function expectRoundTrip(edit: (config: Record<string, unknown>) => void): Promise<void> {
  const input = await mkdtemp(path.join(os.tmpdir(), 'peftjs-fixture-in-'));
  const output = await mkdtemp(path.join(os.tmpdir(), 'peftjs-fixture-out-'));
  try {
    const text = await editedFixture(input, edit);
    const model = await PeftModel.fromPretrained(gpt2Base() as never, input);
    await model.saveAdapter(output);
    model.dispose();
    expect(await readFile(path.join(output, 'adapter_config.json'), 'utf8')).toBe(text);
    expect((await readFile(path.join(output, 'adapter_model.safetensors'))).equals(await readFile(path.join(FIXTURE, 'adapter_model.safetensors')))).toBe(true);
  } finally {
    await rm(input, { recursive: true, force: true });
    await rm(output, { recursive: true, force: true });
  }
}

describe('the peft GPT-2 adapter with its config as other peft releases write it', () => {
  test('modules_to_save [classifier, score] (a GPT-2 has only score) loads and saves back byte for byte', async () => {
    await expectRoundTrip((config) => {
      config.modules_to_save = ['classifier', 'score'];
    });
  }, 120_000);

  test("without the keys newer than peft v0.6.0 it saves back byte for byte: no filled-in defaults such as use_dora or layer_replication", async () => {
    await expectRoundTrip((config) => {
      for (const key of ['layer_replication', 'use_dora', 'use_rslora', 'loftq_config', 'megatron_config', 'megatron_core']) delete config[key];
    });
  }, 120_000);

  test('modules_to_save whose only name matches nothing still fails, with suggestions', async () => {
    const input = await mkdtemp(path.join(os.tmpdir(), 'peftjs-fixture-in-'));
    try {
      await editedFixture(input, (config) => {
        config.modules_to_save = ['scor'];
      });
      const error = await PeftModel.fromPretrained(gpt2Base() as never, input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as Error).message).toMatch(/^modules_to_save: 'scor' matches no module/);
      expect((error as NotFoundError).suggestions).toContain('score');
    } finally {
      await rm(input, { recursive: true, force: true });
    }
  }, 120_000);
});
