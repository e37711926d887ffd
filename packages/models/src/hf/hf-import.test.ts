/**
 * Tiny checkpoints in Hugging Face layout, written in the test with core's
 * safetensors encoder, loaded by the importers, and checked against plain-JS
 * GPT-2 and BERT computed from the same named tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { encodeSafetensors, Generator, ModuleDict, type SafetensorsDtype } from '@peftjs/core';
import { exactValues, expectClose, onBackend, TEST_BACKENDS } from '../../test/helpers';
import { bertClassify } from '../../test/reference/bert';
import { gpt2Logits } from '../../test/reference/gpt2';
import { CheckpointKeysError, CheckpointShapeError, ModelConfigError } from '../errors';
import { BertForSequenceClassification } from '../bert/sequence-classification';
import { GPT2LMHeadModel } from '../gpt2/lm-head';
import { GPT2Model } from '../gpt2/model';
import { loadPretrained } from './auto';
import { loadBertForSequenceClassification, loadBertModel } from './bert';
import { loadGPT2ForSequenceClassification, loadGPT2LMHeadModel, loadGPT2Model } from './gpt2';

const GPT2_CONFIG = {
  architectures: ['GPT2LMHeadModel'],
  model_type: 'gpt2',
  vocab_size: 23,
  n_positions: 16,
  n_embd: 8,
  n_layer: 2,
  n_head: 2,
  n_inner: null,
  activation_function: 'gelu_new',
  layer_norm_epsilon: 1e-5,
  resid_pdrop: 0.1,
  embd_pdrop: 0.1,
  attn_pdrop: 0.1,
  bos_token_id: 22,
  eos_token_id: 22,
  torch_dtype: 'float16',
};

/** GPT-2 tensors as `GPT2Model.save_pretrained` names them: no prefix, Conv1D weights [in, out], mask buffers. */
function gpt2Checkpoint(seed: number, prefix = ''): Record<string, tf.Tensor> {
  const rng = new Generator(seed);
  const h = 8;
  const t: Record<string, tf.Tensor> = { [`${prefix}wte.weight`]: exactValues([23, h], rng), [`${prefix}wpe.weight`]: exactValues([16, h], rng) };
  for (let l = 0; l < 2; l++) {
    const p = `${prefix}h.${l}.`;
    Object.assign(t, {
      [`${p}ln_1.weight`]: exactValues([h], rng, 1),
      [`${p}ln_1.bias`]: exactValues([h], rng),
      [`${p}attn.bias`]: tf.ones([1, 1, 16, 16]),
      [`${p}attn.masked_bias`]: tf.scalar(-1e4),
      [`${p}attn.c_attn.weight`]: exactValues([h, 3 * h], rng),
      [`${p}attn.c_attn.bias`]: exactValues([3 * h], rng),
      [`${p}attn.c_proj.weight`]: exactValues([h, h], rng),
      [`${p}attn.c_proj.bias`]: exactValues([h], rng),
      [`${p}ln_2.weight`]: exactValues([h], rng, 1),
      [`${p}ln_2.bias`]: exactValues([h], rng),
      [`${p}mlp.c_fc.weight`]: exactValues([h, 4 * h], rng),
      [`${p}mlp.c_fc.bias`]: exactValues([4 * h], rng),
      [`${p}mlp.c_proj.weight`]: exactValues([4 * h, h], rng),
      [`${p}mlp.c_proj.bias`]: exactValues([h], rng),
    });
  }
  t[`${prefix}ln_f.weight`] = exactValues([h], rng, 1);
  t[`${prefix}ln_f.bias`] = exactValues([h], rng);
  return t;
}

const byName = (tensors: Record<string, tf.Tensor>, prefix = '') => (name: string) => tensors[prefix + name].arraySync() as number[] | number[][];
const REF = { numLayers: 2, numHeads: 2, eps: 1e-5 };
const encode = (tensors: Record<string, tf.Tensor>, dtype: SafetensorsDtype) =>
  encodeSafetensors(tensors, { dtypes: (name) => (tensors[name].dtype === 'float32' ? dtype : undefined), metadata: { format: 'pt' } });

describe.each(TEST_BACKENDS)('Hugging Face GPT-2 import on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test.each(['F32', 'F16', 'BF16'] as const)('a %s base-model checkpoint (no transformer. prefix) loads into GPT2LMHeadModel', (dtype) => {
    const tensors = gpt2Checkpoint(1);
    const before = tf.memory().numTensors;
    const { model, report } = loadGPT2LMHeadModel({ config: JSON.stringify(GPT2_CONFIG), weights: encode(tensors, dtype) });
    expect(model.training).toBe(false);
    expect(report.ignored.sort()).toEqual(['h.0.attn.bias', 'h.0.attn.masked_bias', 'h.1.attn.bias', 'h.1.attn.masked_bias']);
    expect(report.newlyInitialized).toEqual([]);
    expect(report.loaded).toContain('transformer.h.1.attn.c_attn.weight');
    const ids = [3, 1, 4, 1, 5, 9, 2];
    const logits = model.call({ inputIds: tf.tensor2d([ids], undefined, 'int32') }).logits;
    expectClose(logits.dataSync(), gpt2Logits(byName(tensors), REF, ids).flat(), 1e-4, 1e-3);
    logits.dispose();
    model.dispose();
    // The decoded file is freed; what remains are the test's own tensors and one input.
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose(tensors);
  });

  test('a GPT2LMHeadModel checkpoint (transformer. prefix, lm_head copy) loads into GPT2Model and into a classifier', () => {
    const tensors = gpt2Checkpoint(2, 'transformer.');
    tensors['lm_head.weight'] = tf.clone(tensors['transformer.wte.weight']);
    const bytes = encode(tensors, 'F32');
    const base = loadGPT2Model({ config: GPT2_CONFIG, weights: bytes });
    expect(base.report.ignored).toContain('lm_head.weight');
    const ids = [7, 7, 1];
    const hidden = base.model.call({ inputIds: tf.tensor2d([ids], undefined, 'int32') }).lastHiddenState;
    const logits = tf.matMul(tf.squeeze(hidden, [0]), tensors['transformer.wte.weight'], false, true);
    expectClose(logits.dataSync(), gpt2Logits(byName(tensors, 'transformer.'), REF, ids).flat(), 1e-4, 1e-3);
    const classifier = loadGPT2ForSequenceClassification({ config: { ...GPT2_CONFIG, id2label: { 0: 'a', 1: 'b', 2: 'c' } }, weights: bytes });
    expect(classifier.report.newlyInitialized).toEqual(['score.weight']);
    expect(classifier.model.getParameter('score.weight').shape).toEqual([3, 8]);
    tf.dispose([hidden, logits, tensors]);
    base.model.dispose();
    classifier.model.dispose();
  });
});

describe('checkpoints that do not fit the config', () => {
  beforeAll(() => onBackend('cpu'));

  test('a wrong shape names the tensor, the parameter, and both shapes; nothing is left allocated', () => {
    const tensors = gpt2Checkpoint(3);
    tensors['h.1.mlp.c_fc.weight'] = tf.zeros([32, 8]); // PyTorch Linear layout, where GPT-2 has Conv1D [in, out]
    const before = tf.memory().numTensors;
    const load = () => loadGPT2LMHeadModel({ config: GPT2_CONFIG, weights: tensors });
    expect(load).toThrow(CheckpointShapeError);
    expect(load).toThrow(
      "checkpoint tensor 'h.1.mlp.c_fc.weight' (for parameter 'transformer.h.1.mlp.c_fc.weight'): expected shape [8, 32], found [32, 8]",
    );
    expect(tf.memory().numTensors).toBe(before);
    // A config that disagrees with every tensor fails the same way, on the first tensor checked.
    expect(() => loadGPT2LMHeadModel({ config: { ...GPT2_CONFIG, n_embd: 16 }, weights: gpt2Checkpoint(3) })).toThrow(/expected shape \[23, 16\], found \[23, 8\]/);
    tf.dispose(tensors);
  });

  test('missing and unexpected tensors are listed; strict: false loads what fits and reports the rest', () => {
    const tensors = gpt2Checkpoint(4);
    const dropped = tensors['ln_f.bias'];
    delete tensors['ln_f.bias'];
    tensors['h.0.attn.q_proj.weight'] = tf.zeros([8, 8]);
    expect(() => loadGPT2LMHeadModel({ config: GPT2_CONFIG, weights: tensors })).toThrow(CheckpointKeysError);
    expect(() => loadGPT2LMHeadModel({ config: GPT2_CONFIG, weights: tensors })).toThrow(
      'missing tensors for [transformer.ln_f.bias]; unexpected tensors [h.0.attn.q_proj.weight]',
    );
    const { model, report } = loadGPT2LMHeadModel({ config: GPT2_CONFIG, weights: tensors, strict: false });
    expect(report.newlyInitialized).toEqual(['transformer.ln_f.bias']);
    expect(report.unexpected).toEqual(['h.0.attn.q_proj.weight']);
    model.dispose();
    tf.dispose([tensors, dropped]);
  });

  test('config values the models cannot build are typed errors', () => {
    expect(() => loadGPT2Model({ config: { ...GPT2_CONFIG, n_head: 3 }, weights: {} })).toThrow(ModelConfigError);
    expect(() => loadGPT2Model({ config: { ...GPT2_CONFIG, activation_function: 'gelu_neww' }, weights: {} })).toThrow(/activation_function/);
    expect(() => loadGPT2Model({ config: '{"model_type": "gpt2",', weights: {} })).toThrow(/JSON text/);
    expect(() => loadBertModel({ config: { model_type: 'bert', position_embedding_type: 'relative_key' }, weights: {} })).toThrow(ModelConfigError);
  });
});

const BERT_CONFIG = {
  architectures: ['BertForSequenceClassification'],
  model_type: 'bert',
  vocab_size: 19,
  hidden_size: 8,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 12,
  hidden_act: 'gelu',
  max_position_embeddings: 10,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  id2label: { 0: 'NEG', 1: 'NEU', 2: 'POS' },
};

/** BERT tensors as Hugging Face names them (with `bert.` and a `classifier`), Linear weights [out, in]; old gamma/beta LayerNorm names optional. */
function bertCheckpoint(seed: number, options: { oldNames?: boolean; pretrainingHeads?: boolean } = {}): Record<string, tf.Tensor> {
  const rng = new Generator(seed);
  const h = 8;
  const norm = (p: string) => ({
    [`${p}.LayerNorm.${options.oldNames ? 'gamma' : 'weight'}`]: exactValues([h], rng, 1),
    [`${p}.LayerNorm.${options.oldNames ? 'beta' : 'bias'}`]: exactValues([h], rng),
  });
  const linear = (name: string, out: number, inSize: number) => ({ [`${name}.weight`]: exactValues([out, inSize], rng), [`${name}.bias`]: exactValues([out], rng) });
  const t: Record<string, tf.Tensor> = {
    'bert.embeddings.word_embeddings.weight': exactValues([19, h], rng),
    'bert.embeddings.position_embeddings.weight': exactValues([10, h], rng),
    'bert.embeddings.token_type_embeddings.weight': exactValues([2, h], rng),
    'bert.embeddings.position_ids': tf.reshape(tf.range(0, 10, 1, 'int32'), [1, 10]),
    ...norm('bert.embeddings'),
  };
  for (let l = 0; l < 2; l++) {
    const p = `bert.encoder.layer.${l}`;
    Object.assign(t, linear(`${p}.attention.self.query`, h, h), linear(`${p}.attention.self.key`, h, h), linear(`${p}.attention.self.value`, h, h));
    Object.assign(t, linear(`${p}.attention.output.dense`, h, h), norm(`${p}.attention.output`), linear(`${p}.intermediate.dense`, 12, h));
    Object.assign(t, linear(`${p}.output.dense`, h, 12), norm(`${p}.output`));
  }
  Object.assign(t, linear('bert.pooler.dense', h, h));
  if (options.pretrainingHeads) Object.assign(t, linear('cls.predictions.transform.dense', h, h), { 'cls.predictions.bias': exactValues([19], rng) });
  else Object.assign(t, linear('classifier', 3, h));
  return t;
}

describe.each(TEST_BACKENDS)('Hugging Face BERT import on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test('a BF16 BertForSequenceClassification checkpoint gives the logits of a plain-JS BERT', () => {
    const tensors = bertCheckpoint(5);
    const { model, report } = loadBertForSequenceClassification({ config: BERT_CONFIG, weights: encode(tensors, 'BF16') });
    expect(report.ignored).toEqual(['bert.embeddings.position_ids']);
    const rows = [[2, 7, 11, 3], [2, 5, 3, 0]];
    const keep = [[true, true, true, true], [true, true, true, false]];
    const logits = model.call({
      inputIds: tf.tensor2d(rows, undefined, 'int32'),
      attentionMask: tf.tensor2d(keep.map((r) => r.map(Number)), undefined, 'int32'),
    }).logits;
    const expected = rows.flatMap((ids, b) => bertClassify(byName(tensors, 'bert.'), byName(tensors), REF, ids, undefined, keep[b]));
    expectClose(logits.dataSync(), expected, 1e-4, 1e-3);
    tf.dispose([logits, tensors]);
    model.dispose();
  });

  test('a pre-training checkpoint with old LayerNorm names loads into BertModel without its cls heads', () => {
    const tensors = bertCheckpoint(6, { oldNames: true, pretrainingHeads: true });
    const { model, report } = loadBertModel({ config: BERT_CONFIG, weights: encode(tensors, 'F16'), strict: true });
    expect(report.ignored.sort()).toEqual(['bert.embeddings.position_ids', 'cls.predictions.bias', 'cls.predictions.transform.dense.bias', 'cls.predictions.transform.dense.weight']);
    expect(report.loaded).toContain('encoder.layer.1.output.LayerNorm.weight');
    expect(report.newlyInitialized).toEqual([]);
    const classifier = loadBertForSequenceClassification({ config: BERT_CONFIG, weights: tensors });
    expect(classifier.report.newlyInitialized).toEqual(['classifier.weight', 'classifier.bias']);
    model.dispose();
    classifier.model.dispose();
    tf.dispose(tensors);
  });
});

test('a classifier checkpoint loads into BertModel, its head skipped; layers are reached as encoder.layer.N', async () => {
  await onBackend('cpu');
  const { model, report } = loadBertModel({ config: BERT_CONFIG, weights: encode(bertCheckpoint(7), 'F32') });
  expect(report.ignored.sort()).toEqual(['bert.embeddings.position_ids', 'classifier.bias', 'classifier.weight']);
  expect(model.getSubmodule('encoder.layer')).toBeInstanceOf(ModuleDict);
  model.dispose();
});

test('loadPretrained builds the class config.json names, or the base model of its model_type', async () => {
  await onBackend('cpu');
  const gpt2 = gpt2Checkpoint(8);
  const lm = loadPretrained({ config: JSON.stringify(GPT2_CONFIG), weights: gpt2 });
  expect(lm.model).toBeInstanceOf(GPT2LMHeadModel);
  const base = loadPretrained({ config: { ...GPT2_CONFIG, architectures: undefined }, weights: gpt2 });
  expect(base.model).toBeInstanceOf(GPT2Model);
  const bert = loadPretrained({ config: BERT_CONFIG, weights: encode(bertCheckpoint(9), 'F16') });
  expect(bert.model).toBeInstanceOf(BertForSequenceClassification);
  expect(() => loadPretrained({ config: { model_type: 't5', architectures: ['T5Model'] }, weights: {} })).toThrow(ModelConfigError);
  for (const m of [lm, base, bert]) m.model.dispose();
  tf.dispose(gpt2);
});
