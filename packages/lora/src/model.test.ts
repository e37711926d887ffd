import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  InvalidArgumentError,
  ModulesToSaveWrapper,
  NotFoundError,
  PeftModel,
  ShapeMismatchError,
  getPeftMethod,
  getPeftModel,
  isAdapterLayer,
  manualSeed,
  readSafetensorsFileHeader,
  setWarningHandler,
  type Module,
} from '@peftjs/core';
import { BertForSequenceClassification, GPT2ForSequenceClassification, bertConfig, gpt2Config } from '@peftjs/models';
import { Mlp, makeConv1dNet, makeMlp, mlpInput, onBackend, outputOf } from '../test/helpers';
import { UnsupportedLayerError } from './errors';
import { LoraLinear } from './layer/linear';
import type { LoraLayer } from './layer/lora-layer';
import { loraMethod, registerLora } from './register';

beforeAll(() => onBackend('cpu'));

const lora = { peft_type: 'LORA', r: 2, lora_alpha: 4 };

function tinyGpt2(): GPT2ForSequenceClassification {
  manualSeed(2);
  return new GPT2ForSequenceClassification(gpt2Config({ vocabSize: 30, maxPositions: 16, hiddenSize: 8, numLayers: 3, numHeads: 2, numLabels: 3 }));
}

function tinyBert(): BertForSequenceClassification {
  manualSeed(3);
  return new BertForSequenceClassification(bertConfig({ vocabSize: 30, maxPositions: 16, hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 16, numLabels: 3 }));
}

const loraPaths = (model: PeftModel<never, unknown> | PeftModel) =>
  (model.baseModel as Module<never, unknown>).namedModules().filter(([, m]) => m instanceof LoraLinear).map(([p]) => p);

describe('choosing target modules', () => {
  test("'all-linear' takes every Linear and Conv1D but the output head", () => {
    const model = getPeftModel(tinyGpt2(), { ...lora, fan_in_fan_out: true, target_modules: 'all-linear' });
    const paths = loraPaths(model);
    expect(paths).toHaveLength(12);
    expect(paths.filter((p) => p.startsWith('transformer.h.0.'))).toEqual(['transformer.h.0.attn.c_attn', 'transformer.h.0.attn.c_proj', 'transformer.h.0.mlp.c_fc', 'transformer.h.0.mlp.c_proj']);
    expect(paths).not.toContain('score');
    model.dispose();
  });

  test("no target_modules: peft's defaults for GPT-2 (c_attn) and BERT (query, value), written into the config", () => {
    const gpt2 = getPeftModel(tinyGpt2(), { ...lora, fan_in_fan_out: true, target_modules: null });
    expect(loraPaths(gpt2)).toEqual(['transformer.h.0.attn.c_attn', 'transformer.h.1.attn.c_attn', 'transformer.h.2.attn.c_attn']);
    expect(gpt2.peftConfig.default.target_modules).toEqual(['c_attn']);
    gpt2.dispose();
    const bert = getPeftModel(tinyBert(), lora);
    expect(loraPaths(bert)).toEqual(['bert.encoder.layer.0.attention.self.query', 'bert.encoder.layer.0.attention.self.value', 'bert.encoder.layer.1.attention.self.query', 'bert.encoder.layer.1.attention.self.value']);
    bert.dispose();
    expect(() => getPeftModel(makeMlp(), lora)).toThrow(/target_modules is not set and peftjs knows no default for a Mlp/);
  });

  test('layers_to_transform with layers_pattern, exclude_modules, regex targets, and rank/alpha patterns per module', () => {
    const model = getPeftModel(tinyGpt2(), {
      fan_in_fan_out: true,
      ...lora,
      target_modules: ['c_attn', 'c_fc'],
      layers_to_transform: [0, 2],
      layers_pattern: 'h',
      exclude_modules: ['transformer.h.2.mlp.c_fc'],
      rank_pattern: { 'h\\.2\\.attn\\.c_attn': 4 },
      alpha_pattern: { c_fc: 1 },
    });
    expect(loraPaths(model)).toEqual(['transformer.h.0.attn.c_attn', 'transformer.h.0.mlp.c_fc', 'transformer.h.2.attn.c_attn']);
    const settings = (p: string) => (model.baseModel.getSubmodule(p) as unknown as LoraLayer).adapterSettings('default');
    expect(settings('transformer.h.2.attn.c_attn')).toMatchObject({ r: 4, alpha: 4, scaling: 1 });
    expect(settings('transformer.h.0.mlp.c_fc')).toMatchObject({ r: 2, alpha: 1, scaling: 0.5 });
    model.dispose();
    const regex = getPeftModel(tinyGpt2(), { ...lora, fan_in_fan_out: true, target_modules: '.*\\.h\\.1\\..*c_proj' });
    expect(loraPaths(regex)).toEqual(['transformer.h.1.attn.c_proj', 'transformer.h.1.mlp.c_proj']);
    regex.dispose();
  });

  test('targets that match nothing are a NotFoundError naming the nearest modules; unsupported types an UnsupportedLayerError', () => {
    const base = makeMlp();
    expect(() => getPeftModel(base, { ...lora, target_modules: ['haed'] })).toThrow(NotFoundError);
    expect(() => getPeftModel(base, { ...lora, target_modules: ['haed'] })).toThrow(/match no adaptable module\. Closest names: head/);
    expect(() => getPeftModel(base, { ...lora, target_modules: ['body.0', 'body.1'] })).toThrow(UnsupportedLayerError);
    expect(() => getPeftModel(base, { ...lora, target_modules: ['body.1'] })).toThrow("LORA: target module 'body.1' is a Activation; LoRA adapts Linear, GPT-2's Conv1D, Embedding and Conv2D layers");
    expect(() => getPeftModel(tinyGpt2(), { ...lora, fan_in_fan_out: true, target_modules: ['ln_1'] })).toThrow(/is a LayerNorm/);
    expect(() => getPeftModel(tinyGpt2(), { ...lora, fan_in_fan_out: true, target_modules: ['attn'] })).toThrow(/'transformer.h.0.attn' is a GPT2Attention/);
    expect(() => getPeftModel(base, { ...lora, target_modules: ['head'], modules_to_save: ['bodyy'] })).toThrow(/modules_to_save: 'bodyy' matches no module/);
    // Nothing was left behind in the base.
    expect(base.namedModules().some(([, m]) => isAdapterLayer(m))).toBe(false);
    expect(base.parameters().every((p) => p.trainable)).toBe(true);
    base.dispose();
  });

  test('fan_in_fan_out that does not fit the layer type is corrected with a warning, as peft does', () => {
    const warnings: string[] = [];
    const previous = setWarningHandler((message) => void warnings.push(message)); // core's handler reaches LoRA's warnings
    try {
      const conv = getPeftModel(makeConv1dNet(), { ...lora, target_modules: ['0'] });
      expect((conv.baseModel.getSubmodule('0') as unknown as LoraLinear).fanInFanOut).toBe(true);
      const linear = getPeftModel(makeMlp(), { ...lora, fan_in_fan_out: true, target_modules: ['head'] });
      expect((linear.baseModel.getSubmodule('head') as unknown as LoraLinear).fanInFanOut).toBe(false);
      expect(warnings).toEqual([
        "LORA: fan_in_fan_out is false but '0' are Conv1D layers (weight [in, out], GPT-2's layout); using true for them, as peft does",
        "LORA: fan_in_fan_out is true but 'head' are Linear layers (weight [out, in]); using false for them, as peft does",
      ]);
      conv.dispose();
      linear.dispose();
    } finally {
      setWarningHandler(previous);
    }
  });
});

describe('biases and saved heads', () => {
  test("bias 'lora_only' trains the adapted layers' biases, 'all' every bias; both are saved with the adapter", async () => {
    const only = getPeftModel(makeMlp(), { ...lora, target_modules: ['body.0'], bias: 'lora_only' });
    expect(only.namedParameters().filter(([, p]) => p.trainable).map(([p]) => p)).toEqual([
      'base_model.model.body.0.base_layer.bias',
      'base_model.model.body.0.lora_A.default.weight',
      'base_model.model.body.0.lora_B.default.weight',
    ]);
    only.dispose();
    const all = getPeftModel(makeMlp(), { ...lora, target_modules: ['body.0'], bias: 'all' });
    expect(all.namedParameters().filter(([p, q]) => q.trainable && p.endsWith('bias')).map(([p]) => p)).toEqual([
      'base_model.model.body.0.base_layer.bias',
      'base_model.model.body.2.bias',
      'base_model.model.head.bias',
    ]);
    const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-lora-'));
    try {
      await all.saveAdapter(directory);
      const header = await readSafetensorsFileHeader(path.join(directory, 'adapter_model.safetensors'));
      expect(header.tensors.map((t) => t.name)).toContain('base_model.model.body.2.bias');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    // peft allows one adapter with trained biases.
    expect(() => all.addAdapter('second', { ...lora, target_modules: ['head'], bias: 'all' })).toThrow(/only one adapter may train biases/);
    all.dispose();
  });

  test('classification tasks keep a trained copy of the head per adapter, as peft does without listing it', async () => {
    const model = getPeftModel(tinyBert(), { ...lora, task_type: 'SEQ_CLS' });
    model.addAdapter('other', { ...lora, task_type: 'SEQ_CLS' });
    const head = model.baseModel.getSubmodule('classifier') as unknown as ModulesToSaveWrapper;
    expect(head).toBeInstanceOf(ModulesToSaveWrapper);
    expect(head.adapterNames()).toEqual(['default', 'other']);
    expect(model.peftConfig.default.modules_to_save).toBeNull();
    expect(model.adapterState('default').map(([p]) => p)).toContain('base_model.model.classifier.modules_to_save.default.weight');
    const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-lora-'));
    try {
      await model.saveAdapter(directory, { adapterNames: ['default'] });
      const header = await readSafetensorsFileHeader(path.join(directory, 'adapter_model.safetensors'));
      expect(header.tensors.map((t) => t.name)).toEqual(expect.arrayContaining(['base_model.model.classifier.weight', 'base_model.model.classifier.bias']));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    model.dispose();
  });
});

describe('files', () => {
  test("DoRA's magnitude is written as peft names it: lora_magnitude_vector, without .weight", async () => {
    const model = getPeftModel(makeMlp(), { ...lora, use_dora: true, target_modules: ['head'] });
    expect(model.adapterState('default').map(([p]) => p)).toContain('base_model.model.head.lora_magnitude_vector.default.weight');
    const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-lora-'));
    try {
      await model.saveAdapter(directory);
      const header = await readSafetensorsFileHeader(path.join(directory, 'adapter_model.safetensors'));
      expect(header.tensors.map((t) => [t.name, t.shape])).toEqual([
        ['base_model.model.head.lora_A.weight', [2, 8]],
        ['base_model.model.head.lora_B.weight', [3, 2]],
        ['base_model.model.head.lora_magnitude_vector', [3]],
      ]);
      const config = JSON.parse(await readFile(path.join(directory, 'adapter_config.json'), 'utf8'));
      expect(config).toMatchObject({ peft_type: 'LORA', use_dora: true, inference_mode: true, lora_alpha: 4 });
      expect(await readFile(path.join(directory, 'adapter_config.json'), 'utf8')).toContain('"lora_dropout": 0.0');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    model.dispose();
  });

  test('an adapter whose shapes do not fit the base is a ShapeMismatchError naming the tensor, and the base stays as it was', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-lora-'));
    try {
      const saved = getPeftModel(makeMlp(), { ...lora, target_modules: ['body.2', 'head'] });
      await saved.saveAdapter(directory);
      saved.dispose();
      manualSeed(1);
      const wider = new Mlp(6, 10, 3);
      const expected = outputOf(wider, mlpInput);
      const error = await PeftModel.fromPretrained(wider, directory).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShapeMismatchError);
      expect((error as Error).message).toBe(
        "LORA adapter 'default': tensor 'base_model.model.body.2.lora_A.weight' (its shape follows from the config): expected shape [2, 10], found [2, 8]",
      );
      expect(wider.namedModules().some(([, m]) => isAdapterLayer(m))).toBe(false);
      expect(outputOf(wider, mlpInput)).toEqual(expected);
      wider.dispose();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('registration', () => {
  test('importing the package registers LORA; registerLora() again is harmless', () => {
    expect(getPeftMethod('LORA')).toBe(loraMethod);
    expect(() => registerLora()).not.toThrow();
    expect(() => getPeftModel(makeMlp(), { ...lora, target_modules: ['head'], r: 0 })).toThrow(InvalidArgumentError);
  });
});
