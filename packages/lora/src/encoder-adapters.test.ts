/**
 * LoRA adapters for DistilBERT and RoBERTa classifiers in Python peft's folder
 * layout (adapter_config.json as peft writes it, adapter_model.safetensors with
 * peft's tensor names, random values), loaded onto @peftjs/models through
 * PeftModel.fromPretrained: every tensor lands where its name says, the logits
 * are those of the base with W + (alpha / r) B A and the saved heads, and
 * saving again writes the same names and values.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Generator, NotFoundError, PeftModel, encodeSafetensors, getPeftModel, loadAdapterFiles, manualSeed, type Module } from '@peftjs/core';
import { DistilBertForSequenceClassification, RobertaForSequenceClassification, distilBertConfig, robertaConfig } from '@peftjs/models';
import { expectClose, onBackend, valuesOf } from '../test/helpers';
import { LoraLinear } from './layer/linear';

const SIZES = { vocabSize: 40, hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 24, numLabels: 2 };
const R = 4;
const ALPHA = 8;

/** The keys peft 0.10 writes (those of the real GPT-2 adapter in shared/fixtures/hf-peft). */
function peftConfig(base: string, targets: string[], modulesToSave: string[]) {
  return {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: base,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: null,
    loftq_config: {},
    lora_alpha: ALPHA,
    lora_dropout: 0.1,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: modulesToSave,
    peft_type: 'LORA',
    r: R,
    rank_pattern: {},
    revision: null,
    target_modules: targets,
    task_type: 'SEQ_CLS',
    use_dora: false,
    use_rslora: false,
  };
}

interface Case {
  readonly name: string;
  /** A fresh base, the same for the same seed. */
  readonly makeBase: () => Module<never, unknown>;
  readonly config: ReturnType<typeof peftConfig>;
  /** Paths of the LoRA targets in the base model. */
  readonly targets: string[];
  /** The heads' tensors as peft saves them (`base_model.model.` + the module's own names) with their shapes. */
  readonly heads: Record<string, number[]>;
  readonly input: () => Record<string, tf.Tensor>;
}

const CASES: Case[] = [
  {
    name: 'DistilBERT (q_lin, v_lin; pre_classifier and classifier saved)',
    makeBase: () => {
      manualSeed(21);
      return new DistilBertForSequenceClassification(distilBertConfig({ ...SIZES, maxPositions: 20 })).eval() as unknown as Module<never, unknown>;
    },
    config: peftConfig('distilbert-base-uncased', ['q_lin', 'v_lin'], ['pre_classifier', 'classifier']),
    targets: [0, 1].flatMap((l) => ['q_lin', 'v_lin'].map((t) => `distilbert.transformer.layer.${l}.attention.${t}`)),
    heads: { 'pre_classifier.weight': [16, 16], 'pre_classifier.bias': [16], 'classifier.weight': [2, 16], 'classifier.bias': [2] },
    input: () => ({ inputIds: tf.tensor2d([[3, 9, 17, 4, 0], [3, 22, 4, 0, 0]], undefined, 'int32'), attentionMask: tf.tensor2d([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]], undefined, 'int32') }),
  },
  {
    name: 'RoBERTa (query, value; the classifier head saved)',
    makeBase: () => {
      manualSeed(22);
      return new RobertaForSequenceClassification(robertaConfig({ ...SIZES, maxPositions: 22, typeVocabSize: 1, layerNormEps: 1e-5 })).eval() as unknown as Module<never, unknown>;
    },
    config: peftConfig('roberta-base', ['query', 'value'], ['classifier']),
    targets: [0, 1].flatMap((l) => ['query', 'value'].map((t) => `roberta.encoder.layer.${l}.attention.self.${t}`)),
    heads: { 'classifier.dense.weight': [16, 16], 'classifier.dense.bias': [16], 'classifier.out_proj.weight': [2, 16], 'classifier.out_proj.bias': [2] },
    input: () => ({ inputIds: tf.tensor2d([[0, 9, 17, 4, 2], [0, 22, 2, 1, 1]], undefined, 'int32'), attentionMask: tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], undefined, 'int32') }),
  },
];

/** The adapter file's tensors under peft's names, with random values. */
function adapterTensors(c: Case, seed: number): Record<string, tf.Tensor> {
  const rng = new Generator(seed);
  const random = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform() - 0.5), shape);
  const tensors: Record<string, tf.Tensor> = {};
  for (const target of c.targets) {
    tensors[`base_model.model.${target}.lora_A.weight`] = random([R, 16]);
    tensors[`base_model.model.${target}.lora_B.weight`] = random([16, R]);
  }
  for (const [name, shape] of Object.entries(c.heads)) tensors[`base_model.model.${name}`] = random(shape);
  return tensors;
}

/** peft's file name of an adapter parameter held in memory under adapter `default`. */
const fileName = (memoryName: string) => memoryName.replace(/\.(lora_[AB])\.default\./, '.$1.').replace('.modules_to_save.default.', '.');

const logitsOf = (model: { call(input: never): unknown }, input: Record<string, tf.Tensor>) =>
  tf.tidy(() => valuesOf((model.call(input as never) as { logits: tf.Tensor }).logits));

beforeAll(() => onBackend('cpu'));

describe.each(CASES)('a peft LoRA adapter folder for $name', (c) => {
  let directory: string;
  let file: Record<string, tf.Tensor>;
  let model: PeftModel<never, unknown>;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'peftjs-encoder-adapter-'));
    file = adapterTensors(c, 7);
    await writeFile(path.join(directory, 'adapter_config.json'), JSON.stringify(c.config, null, 2));
    await writeFile(path.join(directory, 'adapter_model.safetensors'), encodeSafetensors(file, { metadata: { format: 'pt' } }));
    model = await PeftModel.fromPretrained(c.makeBase(), directory);
  });

  afterAll(async () => {
    model?.dispose();
    tf.dispose(Object.values(file));
    await rm(directory, { recursive: true, force: true });
  });

  test('places every tensor of the file, tensor for tensor, and nothing else', () => {
    const placed = model.adapterState('default');
    expect(placed.map(([name]) => fileName(name)).sort()).toEqual(Object.keys(file).sort());
    for (const [name, parameter] of placed) {
      expect([name, parameter.shape]).toEqual([name, file[fileName(name)].shape]);
      expect(valuesOf(parameter.variable)).toEqual(valuesOf(file[fileName(name)]));
    }
    for (const target of c.targets) expect(model.baseModel.getSubmodule(target)).toBeInstanceOf(LoraLinear);
    expect(model.parameters().some((p) => p.trainable)).toBe(false);
  });

  test('gives the logits of the base with W + (alpha / r) B A in every target and the saved heads', () => {
    const input = c.input();
    const expected = c.makeBase();
    for (const target of c.targets) {
      const weight = expected.getParameter(`${target}.weight`);
      const a = file[`base_model.model.${target}.lora_A.weight`];
      const b = file[`base_model.model.${target}.lora_B.weight`];
      weight.assign(tf.tidy(() => tf.add(weight.variable, tf.mul(tf.matMul(b, a), ALPHA / R))));
    }
    for (const name of Object.keys(c.heads)) expected.getParameter(name).assign(file[`base_model.model.${name}`]);
    const adapted = logitsOf(model, input);
    expectClose(adapted, logitsOf(expected, input), 1e-5, 1e-4);
    expect(model.disableAdapters(() => logitsOf(model, input))).not.toEqual(adapted);
    expected.dispose();
    tf.dispose(Object.values(input));
  });

  test('saving again writes the same tensor names and values, and the same config keys', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'peftjs-encoder-adapter-out-'));
    try {
      await model.saveAdapter(out);
      const saved = await loadAdapterFiles(out);
      expect(Object.keys(saved.tensors).sort()).toEqual(Object.keys(file).sort());
      for (const [name, tensor] of Object.entries(file)) expect(valuesOf(saved.tensors[name])).toEqual(valuesOf(tensor));
      expect(Object.keys(saved.config).sort()).toEqual(Object.keys(c.config).sort());
      tf.dispose(Object.values(saved.tensors));
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

test("no target_modules: peft's default for RoBERTa (query, value); DistilBERT has none in peft, nor here", () => {
  const lora = { peft_type: 'LORA', r: 2, lora_alpha: 4, task_type: 'SEQ_CLS' };
  const roberta = getPeftModel(CASES[1].makeBase(), lora);
  const adapted = (roberta.baseModel as Module<never, unknown>).namedModules().filter(([, m]) => m instanceof LoraLinear).map(([p]) => p);
  expect(adapted).toEqual(CASES[1].targets);
  expect(roberta.peftConfig.default.target_modules).toEqual(['query', 'value']);
  roberta.dispose();
  const distilbert = CASES[0].makeBase();
  expect(() => getPeftModel(distilbert, lora)).toThrow(NotFoundError);
  expect(() => getPeftModel(distilbert, lora)).toThrow(/no default for a DistilBertForSequenceClassification/);
  distilbert.dispose();
});
