/**
 * RoBERTa and DistilBERT from Hugging Face files: the config.json fields of
 * roberta-base and distilbert-base-uncased (sizes shrunk), and model.safetensors
 * with Hugging Face's tensor names, written out here by hand (prefixes, the
 * masked-LM heads of the public bases, the classification heads), loaded and
 * checked against the plain-JS references.
 */
import * as tf from '@tensorflow/tfjs-core';
import { encodeSafetensors, Generator, type SafetensorsDtype } from '@peftjs/core';
import { exactValues, expectClose, onBackend, TEST_BACKENDS } from '../../test/helpers';
import { distilbertClassify, robertaClassify } from '../../test/reference/encoders';
import { ModelConfigError } from '../errors';
import { DistilBertModel, RobertaModel } from '../bert/model';
import { DistilBertForSequenceClassification, RobertaForSequenceClassification } from '../bert/sequence-classification';
import { loadPretrained } from './auto';
import { loadDistilBertForSequenceClassification, loadDistilBertModel, loadRobertaForSequenceClassification, loadRobertaModel } from './bert';

/** distilbert-base-uncased's config.json, with tiny sizes. */
const DISTILBERT_CONFIG = {
  activation: 'gelu',
  architectures: ['DistilBertForMaskedLM'],
  attention_dropout: 0.1,
  dim: 8,
  dropout: 0.1,
  hidden_dim: 12,
  initializer_range: 0.02,
  max_position_embeddings: 10,
  model_type: 'distilbert',
  n_heads: 2,
  n_layers: 2,
  pad_token_id: 0,
  qa_dropout: 0.1,
  seq_classif_dropout: 0.2,
  sinusoidal_pos_embds: false,
  tie_weights_: true,
  transformers_version: '4.36.2',
  vocab_size: 19,
};

/** roberta-base's config.json, with tiny sizes. */
const ROBERTA_CONFIG = {
  architectures: ['RobertaForMaskedLM'],
  attention_probs_dropout_prob: 0.1,
  bos_token_id: 0,
  eos_token_id: 2,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  hidden_size: 8,
  initializer_range: 0.02,
  intermediate_size: 12,
  layer_norm_eps: 1e-5,
  max_position_embeddings: 12,
  model_type: 'roberta',
  num_attention_heads: 2,
  num_hidden_layers: 2,
  pad_token_id: 1,
  type_vocab_size: 1,
  vocab_size: 19,
};

const H = 8;
const LABELS = { id2label: { 0: 'NEG', 1: 'NEU', 2: 'POS' } };

function tensorsOf(rng: Generator) {
  const t: Record<string, tf.Tensor> = {};
  const linear = (name: string, out: number, inSize: number) => {
    t[`${name}.weight`] = exactValues([out, inSize], rng);
    t[`${name}.bias`] = exactValues([out], rng);
  };
  const norm = (name: string) => {
    t[`${name}.weight`] = exactValues([H], rng, 1);
    t[`${name}.bias`] = exactValues([H], rng);
  };
  return { t, linear, norm };
}

/** As DistilBertForMaskedLM (the public base) or DistilBertForSequenceClassification saves it. */
function distilbertCheckpoint(seed: number, head: 'masked-lm' | 'classifier'): Record<string, tf.Tensor> {
  const { t, linear, norm } = tensorsOf(new Generator(seed));
  t['distilbert.embeddings.word_embeddings.weight'] = exactValues([19, H], new Generator(seed + 100));
  t['distilbert.embeddings.position_embeddings.weight'] = exactValues([10, H], new Generator(seed + 200));
  norm('distilbert.embeddings.LayerNorm');
  for (let l = 0; l < 2; l++) {
    const p = `distilbert.transformer.layer.${l}`;
    for (const name of ['q_lin', 'k_lin', 'v_lin', 'out_lin']) linear(`${p}.attention.${name}`, H, H);
    norm(`${p}.sa_layer_norm`);
    linear(`${p}.ffn.lin1`, 12, H);
    linear(`${p}.ffn.lin2`, H, 12);
    norm(`${p}.output_layer_norm`);
  }
  if (head === 'masked-lm') {
    linear('vocab_transform', H, H);
    norm('vocab_layer_norm');
    linear('vocab_projector', 19, H);
  } else {
    linear('pre_classifier', H, H);
    linear('classifier', 3, H);
  }
  return t;
}

/** As RobertaForMaskedLM (roberta-base: with a pooler and lm_head), RobertaForSequenceClassification, or RobertaModel (no prefix) saves it. */
function robertaCheckpoint(seed: number, head: 'masked-lm' | 'classifier' | 'base'): Record<string, tf.Tensor> {
  const { t, linear, norm } = tensorsOf(new Generator(seed));
  const prefix = head === 'base' ? '' : 'roberta.';
  t[`${prefix}embeddings.word_embeddings.weight`] = exactValues([19, H], new Generator(seed + 100));
  t[`${prefix}embeddings.position_embeddings.weight`] = exactValues([12, H], new Generator(seed + 200));
  t[`${prefix}embeddings.token_type_embeddings.weight`] = exactValues([1, H], new Generator(seed + 300));
  norm(`${prefix}embeddings.LayerNorm`);
  for (let l = 0; l < 2; l++) {
    const p = `${prefix}encoder.layer.${l}`;
    for (const name of ['self.query', 'self.key', 'self.value', 'output.dense']) linear(`${p}.attention.${name}`, H, H);
    norm(`${p}.attention.output.LayerNorm`);
    linear(`${p}.intermediate.dense`, 12, H);
    linear(`${p}.output.dense`, H, 12);
    norm(`${p}.output.LayerNorm`);
  }
  if (head !== 'classifier') linear(`${prefix}pooler.dense`, H, H);
  if (head === 'masked-lm') {
    linear('lm_head.dense', H, H);
    t['lm_head.layer_norm.weight'] = exactValues([H], new Generator(seed + 400), 1);
    t['lm_head.layer_norm.bias'] = exactValues([H], new Generator(seed + 500));
    t['lm_head.decoder.weight'] = exactValues([19, H], new Generator(seed + 600));
    t['lm_head.bias'] = exactValues([19], new Generator(seed + 700));
  }
  if (head === 'classifier') {
    linear('classifier.dense', H, H);
    linear('classifier.out_proj', 3, H);
  }
  return t;
}

const byName = (tensors: Record<string, tf.Tensor>, prefix = '') => (name: string) => tensors[prefix + name].arraySync() as number[] | number[][];
const encode = (tensors: Record<string, tf.Tensor>, dtype: SafetensorsDtype) => encodeSafetensors(tensors, { dtypes: () => dtype, metadata: { format: 'pt' } });
const int = (rows: number[][]) => tf.tensor2d(rows, undefined, 'int32');

describe.each(TEST_BACKENDS)('Hugging Face RoBERTa and DistilBERT import on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test('a BF16 DistilBertForSequenceClassification checkpoint gives the logits of a plain-JS DistilBERT', () => {
    const tensors = distilbertCheckpoint(1, 'classifier');
    const config = { ...DISTILBERT_CONFIG, architectures: ['DistilBertForSequenceClassification'], ...LABELS };
    const { model, report } = loadPretrained({ config: JSON.stringify(config), weights: encode(tensors, 'BF16') });
    expect(model).toBeInstanceOf(DistilBertForSequenceClassification);
    expect(report.newlyInitialized).toEqual([]);
    expect(report.loaded).toHaveLength(Object.keys(tensors).length);
    const rows = [[2, 7, 11, 3], [2, 5, 3, 0]];
    const keep = [[true, true, true, true], [true, true, true, false]];
    const logits = (model as DistilBertForSequenceClassification).call({ inputIds: int(rows), attentionMask: int(keep.map((r) => r.map(Number))) }).logits;
    const expected = rows.flatMap((ids, b) => distilbertClassify(byName(tensors, 'distilbert.'), byName(tensors), { numLayers: 2, numHeads: 2 }, ids, keep[b]));
    expectClose(logits.dataSync(), expected, 1e-4, 1e-3);
    tf.dispose([logits, tensors]);
    model.dispose();
  });

  test('an F16 RobertaForSequenceClassification checkpoint gives the logits of a plain-JS RoBERTa (pad id 1)', () => {
    const tensors = robertaCheckpoint(2, 'classifier');
    const config = { ...ROBERTA_CONFIG, architectures: ['RobertaForSequenceClassification'], ...LABELS };
    const { model, report } = loadRobertaForSequenceClassification({ config, weights: encode(tensors, 'F16') });
    expect(report.newlyInitialized).toEqual([]);
    expect(report.ignored).toEqual([]);
    const rows = [[0, 7, 11, 2, 1], [0, 5, 2, 1, 1]];
    const keep = rows.map((row) => row.map((id) => id !== 1));
    const logits = model.call({ inputIds: int(rows), attentionMask: int(keep.map((r) => r.map(Number))) }).logits;
    const expected = rows.flatMap((ids, b) => robertaClassify(byName(tensors, 'roberta.'), byName(tensors), { numLayers: 2, numHeads: 2, eps: 1e-5, padTokenId: 1 }, ids, keep[b]));
    expectClose(logits.dataSync(), expected, 1e-4, 1e-3);
    tf.dispose([logits, tensors]);
    model.dispose();
  });
});

describe('the public bases (masked-LM checkpoints) and base-model checkpoints', () => {
  beforeAll(() => onBackend('cpu'));

  test('distilbert-base-uncased: loads into DistilBertModel and a fresh classifier, its vocab_* LM head skipped', () => {
    const tensors = distilbertCheckpoint(3, 'masked-lm');
    const bytes = encode(tensors, 'F32');
    const base = loadPretrained({ config: DISTILBERT_CONFIG, weights: bytes });
    expect(base.model).toBeInstanceOf(DistilBertModel);
    expect(base.report.ignored.sort()).toEqual(['vocab_layer_norm.bias', 'vocab_layer_norm.weight', 'vocab_projector.bias', 'vocab_projector.weight', 'vocab_transform.bias', 'vocab_transform.weight']);
    expect(base.report.loaded).toContain('transformer.layer.1.attention.q_lin.weight');
    const classifier = loadDistilBertForSequenceClassification({ config: { ...DISTILBERT_CONFIG, ...LABELS }, weights: bytes });
    expect(classifier.report.newlyInitialized).toEqual(['pre_classifier.weight', 'pre_classifier.bias', 'classifier.weight', 'classifier.bias']);
    expect(classifier.model.getParameter('classifier.weight').shape).toEqual([3, 8]);
    base.model.dispose();
    classifier.model.dispose();
    tf.dispose(tensors);
  });

  test('roberta-base: its pooler loads into RobertaModel and is skipped by the classifier, as is lm_head', () => {
    const tensors = robertaCheckpoint(4, 'masked-lm');
    const bytes = encode(tensors, 'F32');
    const base = loadPretrained({ config: ROBERTA_CONFIG, weights: bytes });
    expect(base.model).toBeInstanceOf(RobertaModel);
    expect(base.report.loaded).toContain('pooler.dense.weight');
    expect(base.report.ignored.sort()).toEqual(['lm_head.bias', 'lm_head.decoder.weight', 'lm_head.dense.bias', 'lm_head.dense.weight', 'lm_head.layer_norm.bias', 'lm_head.layer_norm.weight']);
    const classifier = loadPretrained({ config: { ...ROBERTA_CONFIG, architectures: ['RobertaForSequenceClassification'] }, weights: bytes });
    expect(classifier.model).toBeInstanceOf(RobertaForSequenceClassification);
    expect(classifier.report.ignored).toEqual(expect.arrayContaining(['roberta.pooler.dense.weight', 'roberta.pooler.dense.bias', 'lm_head.decoder.weight']));
    expect(classifier.report.newlyInitialized).toEqual(['classifier.dense.weight', 'classifier.dense.bias', 'classifier.out_proj.weight', 'classifier.out_proj.bias']);
    base.model.dispose();
    classifier.model.dispose();
    tf.dispose(tensors);
  });

  test('a RobertaModel.save_pretrained checkpoint (no roberta. prefix) loads into the base model and the classifier', () => {
    const tensors = robertaCheckpoint(5, 'base');
    const base = loadRobertaModel({ config: ROBERTA_CONFIG, weights: tensors });
    expect(base.report.newlyInitialized).toEqual([]);
    const classifier = loadRobertaForSequenceClassification({ config: ROBERTA_CONFIG, weights: tensors });
    expect(classifier.report.loaded).toContain('roberta.encoder.layer.0.attention.self.query.weight');
    expect(classifier.report.ignored.sort()).toEqual(['pooler.dense.bias', 'pooler.dense.weight']);
    base.model.dispose();
    classifier.model.dispose();
    tf.dispose(tensors);
  });

  test('config values these models cannot build are typed errors', () => {
    expect(() => loadDistilBertModel({ config: { ...DISTILBERT_CONFIG, sinusoidal_pos_embds: true }, weights: {} })).toThrow(/sinusoidal_pos_embds/);
    expect(() => loadDistilBertModel({ config: { ...DISTILBERT_CONFIG, n_heads: 3 }, weights: {} })).toThrow(ModelConfigError);
    expect(() => loadRobertaModel({ config: { ...ROBERTA_CONFIG, pad_token_id: null }, weights: {} })).toThrow(/padTokenId/);
    expect(() => loadRobertaModel({ config: { ...ROBERTA_CONFIG, model_type: 'bert' }, weights: {} })).toThrow(/model_type/);
  });
});
