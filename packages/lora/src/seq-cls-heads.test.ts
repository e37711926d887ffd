/**
 * peft's modules_to_save rule for SEQ_CLS heads (core's task-heads.ts) and
 * configs written back with exactly their keys (core's config/written-keys.ts),
 * on @peftjs/models' GPT-2 and BERT. The real peft GPT-2 file's variants are
 * in gpt2-fixture-configs.test.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ModulesToSaveWrapper, NotFoundError, PeftModel, getPeftModel, manualSeed, type Module } from '@peftjs/core';
import { BertForSequenceClassification, GPT2ForSequenceClassification, bertConfig, gpt2Config } from '@peftjs/models';
import { onBackend, valuesOf } from '../test/helpers';
import './register';

beforeAll(() => onBackend('cpu'));

function tinyGpt2(): GPT2ForSequenceClassification {
  manualSeed(2);
  return new GPT2ForSequenceClassification(gpt2Config({ vocabSize: 30, maxPositions: 16, hiddenSize: 8, numLayers: 2, numHeads: 2, numLabels: 3 }));
}

function tinyBert(): BertForSequenceClassification {
  manualSeed(3);
  return new BertForSequenceClassification(bertConfig({ vocabSize: 30, maxPositions: 16, hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 16, numLabels: 3 }));
}

const wrappedPaths = (model: PeftModel<never, unknown>) =>
  (model.baseModel as unknown as Module<never, unknown>).namedModules().filter(([, m]) => m instanceof ModulesToSaveWrapper).map(([p]) => p);

/** The config peft writes for a SEQ_CLS LoRA: both heads listed, whatever the model has. */
const seqCls = { peft_type: 'LORA', task_type: 'SEQ_CLS', r: 2, lora_alpha: 4, modules_to_save: ['classifier', 'score'] };

async function withDirectory(run: (directory: string) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-seq-cls-'));
  try {
    await run(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Saves an adapter of `config` on `base`, then rewrites its adapter_config.json as `fileConfig`. */
async function savedFolder(directory: string, base: Module<never, unknown>, config: object, fileConfig: object): Promise<void> {
  const model = getPeftModel(base, config);
  await model.saveAdapter(directory);
  model.dispose();
  await writeFile(path.join(directory, 'adapter_config.json'), JSON.stringify(fileConfig, null, 2));
}

describe("SEQ_CLS heads: peft's modules_to_save rule", () => {
  test('a BERT SEQ_CLS file listing classifier and score loads: classifier is kept, score (absent) is skipped', async () => {
    await withDirectory(async (directory) => {
      const headOnly = { peft_type: 'LORA', task_type: 'SEQ_CLS', r: 2, lora_alpha: 4 };
      await savedFolder(directory, tinyBert() as never, headOnly, { ...headOnly, modules_to_save: ['classifier', 'score'] });
      const model = await PeftModel.fromPretrained(tinyBert() as never, directory);
      expect(wrappedPaths(model)).toEqual(['classifier']);
      expect(model.peftConfig.default.modules_to_save).toEqual(['classifier', 'score']);
      model.dispose();
    });
  });

  test('the same config in code, on GPT-2 (score) and BERT (classifier): the task heads are the rule\'s, so the one missing is skipped', () => {
    const gpt2 = getPeftModel(tinyGpt2() as never, { ...seqCls, fan_in_fan_out: true });
    expect(wrappedPaths(gpt2)).toEqual(['score']);
    gpt2.dispose();
    const bert = getPeftModel(tinyBert() as never, seqCls);
    expect(wrappedPaths(bert)).toEqual(['classifier']);
    bert.dispose();
  });

  test('a config none of whose names matches a module is a NotFoundError with suggestions, before any base weight changes', () => {
    const base = tinyBert();
    const before = base.namedParameters().map(([name, p]) => [name, valuesOf(p.variable)]);
    let error: unknown;
    try {
      getPeftModel(base as never, { ...seqCls, modules_to_save: ['clasifier'], init_lora_weights: 'pissa' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toMatch(/^modules_to_save: 'clasifier' matches no module/);
    expect((error as NotFoundError).suggestions).toContain('classifier');
    expect(base.namedParameters().map(([name, p]) => [name, valuesOf(p.variable)])).toEqual(before);
    expect(base.namedModules().some(([, m]) => m instanceof ModulesToSaveWrapper)).toBe(false);
  });

  test('a name given in code that matches nothing fails even when another matches; from a file it is skipped, as peft does', async () => {
    const config = { ...seqCls, modules_to_save: ['classifier', 'pooler_typo'] };
    expect(() => getPeftModel(tinyBert() as never, config)).toThrow(/^modules_to_save: 'pooler_typo' matches no module \(given in code/);
    await withDirectory(async (directory) => {
      await savedFolder(directory, tinyBert() as never, seqCls, config);
      const model = await PeftModel.fromPretrained(tinyBert() as never, directory);
      expect(wrappedPaths(model)).toEqual(['classifier']);
      model.dispose();
    });
  });

  test('task heads the config does not list and the model lacks are skipped (a SEQ_CLS adapter on a model without a head)', () => {
    const model = getPeftModel(tinyBert().bert as never, { peft_type: 'LORA', task_type: 'SEQ_CLS', r: 2, lora_alpha: 4 });
    expect(wrappedPaths(model)).toEqual([]);
    model.dispose();
  });
});

describe('configs written back with their keys', () => {
  const OLD_PEFT_LORA_KEYS = [
    'alpha_pattern', 'auto_mapping', 'base_model_name_or_path', 'bias', 'fan_in_fan_out', 'inference_mode', 'init_lora_weights', 'layers_pattern',
    'layers_to_transform', 'lora_alpha', 'lora_dropout', 'modules_to_save', 'peft_type', 'r', 'rank_pattern', 'revision', 'target_modules', 'task_type',
  ];

  test("a plain LoRA config built in code writes only keys peft v0.6.0's LoraConfig knows", async () => {
    await withDirectory(async (directory) => {
      const model = getPeftModel(tinyBert() as never, { peft_type: 'LORA', r: 2, lora_alpha: 4, use_dora: false, layer_replication: null });
      await model.saveAdapter(directory);
      model.dispose();
      const written = JSON.parse(await readFile(path.join(directory, 'adapter_config.json'), 'utf8'));
      expect(Object.keys(written).sort()).toEqual(OLD_PEFT_LORA_KEYS);
      expect(written.target_modules).toEqual(['query', 'value']);
    });
  });

  test('a newer feature in use writes its key (use_dora, use_rslora)', async () => {
    await withDirectory(async (directory) => {
      const model = getPeftModel(tinyBert() as never, { peft_type: 'LORA', r: 2, lora_alpha: 4, use_dora: true, use_rslora: true });
      await model.saveAdapter(directory);
      model.dispose();
      const written = JSON.parse(await readFile(path.join(directory, 'adapter_config.json'), 'utf8'));
      expect(Object.keys(written).sort()).toEqual([...OLD_PEFT_LORA_KEYS, 'use_dora', 'use_rslora'].sort());
    });
  });
});
