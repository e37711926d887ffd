/**
 * RoBERTa and DistilBERT as layouts of the BERT encoder: parameter names and
 * shapes exactly as Hugging Face's state dicts, logits against plain-JS
 * references written from the Python models, RoBERTa's position ids against
 * fairseq's formula, and gradients against finite differences.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, manualSeed } from '@peftjs/core';
import { expectClose, finiteDifferencesAt, onBackend, pick, TEST_BACKENDS, weightsByName } from '../../test/helpers';
import { bertForward } from '../../test/reference/bert';
import { distilbertClassify, robertaClassify, robertaPositionIds } from '../../test/reference/encoders';
import { ModelConfigError } from '../errors';
import { robertaConfig } from './config';
import { distilBertConfig } from './distilbert-config';
import { positionsAfterPadding } from './embeddings';
import { DistilBertModel, RobertaModel } from './model';
import { DistilBertForSequenceClassification, RobertaForSequenceClassification } from './sequence-classification';

const SIZES = { vocabSize: 29, hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 12, numLabels: 3 };
const DISTILBERT = distilBertConfig({ ...SIZES, maxPositions: 12 });
// roberta-base's choices: one segment, eps 1e-5, 512 + 2 positions (here 12 + 2).
const ROBERTA = robertaConfig({ ...SIZES, maxPositions: 14, typeVocabSize: 1, layerNormEps: 1e-5, padTokenId: 1 });
const REF = { numLayers: 2, numHeads: 2 };

/** Random biases and LayerNorm weights too, so that a bias or norm in the wrong place shows. */
function randomised<M extends { namedParameters(): Array<[string, { shape: number[]; assign(v: tf.Tensor): void }]>; eval(): M }>(model: M, seed: number): M {
  for (const [path, p] of model.namedParameters()) {
    if (/(bias|LayerNorm\.weight|layer_norm\.weight)$/.test(path)) {
      p.assign(tf.tidy(() => tf.add(tf.randomUniform(p.shape, -0.5, 0.5, 'float32', seed), path.endsWith('weight') ? 1 : 0)));
    }
  }
  return model.eval();
}

function distilbert(seed = 3): DistilBertForSequenceClassification {
  manualSeed(seed);
  return randomised(new DistilBertForSequenceClassification(DISTILBERT), seed);
}

function roberta(seed = 5): RobertaForSequenceClassification {
  manualSeed(seed);
  return randomised(new RobertaForSequenceClassification(ROBERTA), seed);
}

const int = (rows: number[][]) => tf.tensor2d(rows, undefined, 'int32');

describe.each(TEST_BACKENDS)('RoBERTa and DistilBERT on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test('RoBERTa classifier logits match a plain-JS RoBERTa, with right and left padding (pad id 1)', () => {
    const model = roberta();
    const rows = [[0, 5, 9, 7, 2, 1], [1, 1, 0, 11, 6, 2]];
    const mask = rows.map((row) => row.map((id) => (id === 1 ? 0 : 1)));
    const out = model.call({ inputIds: int(rows), attentionMask: int(mask) });
    const expected = rows.flatMap((row, b) => robertaClassify(weightsByName(model, 'roberta.'), weightsByName(model), { ...REF, eps: 1e-5, padTokenId: 1 }, row, mask[b].map(Boolean)));
    expectClose(out.logits.dataSync(), expected, 1e-4, 1e-3);
    tf.dispose(out);
    model.dispose();
  });

  test('DistilBERT classifier logits match a plain-JS DistilBERT, with padding', () => {
    const model = distilbert();
    const rows = [[2, 5, 9, 3, 11, 3], [2, 7, 3, 0, 0, 0]];
    const mask = [[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]];
    const out = model.call({ inputIds: int(rows), attentionMask: int(mask) });
    const expected = rows.flatMap((row, b) => distilbertClassify(weightsByName(model, 'distilbert.'), weightsByName(model), REF, row, mask[b].map(Boolean)));
    expectClose(out.logits.dataSync(), expected, 1e-4, 1e-3);
    tf.dispose(out);
    model.dispose();
  });

  test('RoBERTa with a prefix (prefix tuning): positions continue after the past, still from the padding id', () => {
    manualSeed(7);
    const model = randomised(new RobertaModel(ROBERTA), 7);
    const prefix = [0, 1].map((l) => ({ key: tf.randomNormal([1, 2, 2, 4], 0, 1, 'float32', 30 + l), value: tf.randomNormal([1, 2, 2, 4], 0, 1, 'float32', 40 + l) }));
    const ids = [0, 8, 2, 1];
    const out = model.call({ inputIds: int([ids]), pastKeyValues: prefix, attentionMask: int([[1, 1, 1, 1, 1, 0]]) });
    const merged = (t: tf.Tensor) => tf.tidy(() => tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [2, 8]).arraySync() as number[][]);
    const positions = robertaPositionIds(ids, 1, 2);
    expect(positions).toEqual([4, 5, 6, 1]);
    const reference = bertForward(weightsByName(model), { ...REF, eps: 1e-5 }, ids, undefined, [true, true, true, true, true, false], prefix.map(({ key, value }) => ({ key: merged(key), value: merged(value) })), positions);
    expectClose(out.lastHiddenState.dataSync(), reference.hidden.flat(), 1e-4, 1e-3);
    expectClose(out.poolerOutput!.dataSync(), reference.pooled, 1e-4, 1e-3);
    tf.dispose([prefix, out]);
    model.dispose();
  });
});

describe.each(TEST_BACKENDS)('RoBERTa and DistilBERT gradients on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test.each([
    ['DistilBERT', () => distilbert(11), ['distilbert.transformer.layer.0.attention.q_lin.weight', 'distilbert.transformer.layer.1.ffn.lin1.bias', 'distilbert.transformer.layer.0.sa_layer_norm.weight', 'pre_classifier.weight', 'classifier.bias']],
    ['RoBERTa', () => roberta(13), ['roberta.embeddings.position_embeddings.weight', 'roberta.encoder.layer.1.attention.self.value.weight', 'classifier.dense.weight', 'classifier.out_proj.bias']],
  ] as const)('%s: match finite differences', (_, make, names) => {
    const model = make();
    const input = int([[2, 5, 9, 3], [2, 7, 3, 0]]);
    const mask = int([[1, 1, 1, 1], [1, 1, 1, 0]]);
    const weights = tf.tensor2d([[1, -2, 0.5], [0.3, 1, -1]]);
    const loss = () => tf.tidy(() => tf.sum(tf.mul(model.call({ inputIds: input, attentionMask: mask }).logits, weights)) as tf.Scalar);
    const parameters = names.map((n) => model.getParameter(n));
    const { value, grads } = tf.variableGrads(loss, parameters.map((p) => p.variable));
    for (const p of parameters) {
      const indices = [0, 5, 19, Math.floor(p.size / 2), p.size - 1].filter((i) => i < p.size);
      expectClose(pick(grads[p.variable.name].dataSync(), indices), finiteDifferencesAt(p, indices, () => loss().dataSync()[0]), 2e-2, 2e-2);
    }
    tf.dispose([input, mask, weights, value, grads]);
    model.dispose();
  });
});

const namesAndShapes = (model: { namedParameters(): Array<[string, { shape: number[] }]> }) => model.namedParameters().map(([name, p]) => `${name} [${p.shape.join(', ')}]`);

describe('RoBERTa and DistilBERT structure and bad input', () => {
  beforeAll(() => onBackend('cpu'));

  test("DistilBertForSequenceClassification's parameters are Hugging Face's, in state dict order, with its shapes", () => {
    const model = new DistilBertForSequenceClassification({ ...DISTILBERT, numLayers: 1 });
    expect(namesAndShapes(model)).toEqual([
      'distilbert.embeddings.word_embeddings.weight [29, 8]',
      'distilbert.embeddings.position_embeddings.weight [12, 8]',
      'distilbert.embeddings.LayerNorm.weight [8]',
      'distilbert.embeddings.LayerNorm.bias [8]',
      'distilbert.transformer.layer.0.attention.q_lin.weight [8, 8]',
      'distilbert.transformer.layer.0.attention.q_lin.bias [8]',
      'distilbert.transformer.layer.0.attention.k_lin.weight [8, 8]',
      'distilbert.transformer.layer.0.attention.k_lin.bias [8]',
      'distilbert.transformer.layer.0.attention.v_lin.weight [8, 8]',
      'distilbert.transformer.layer.0.attention.v_lin.bias [8]',
      'distilbert.transformer.layer.0.attention.out_lin.weight [8, 8]',
      'distilbert.transformer.layer.0.attention.out_lin.bias [8]',
      'distilbert.transformer.layer.0.sa_layer_norm.weight [8]',
      'distilbert.transformer.layer.0.sa_layer_norm.bias [8]',
      'distilbert.transformer.layer.0.ffn.lin1.weight [12, 8]',
      'distilbert.transformer.layer.0.ffn.lin1.bias [12]',
      'distilbert.transformer.layer.0.ffn.lin2.weight [8, 12]',
      'distilbert.transformer.layer.0.ffn.lin2.bias [8]',
      'distilbert.transformer.layer.0.output_layer_norm.weight [8]',
      'distilbert.transformer.layer.0.output_layer_norm.bias [8]',
      'pre_classifier.weight [8, 8]',
      'pre_classifier.bias [8]',
      'classifier.weight [3, 8]',
      'classifier.bias [3]',
    ]);
    model.dispose();
  });

  test("RobertaForSequenceClassification's parameters are Hugging Face's: BERT's under roberta., no pooler, a two-layer classifier", () => {
    const model = new RobertaForSequenceClassification({ ...ROBERTA, numLayers: 1 });
    expect(namesAndShapes(model)).toEqual([
      'roberta.embeddings.word_embeddings.weight [29, 8]',
      'roberta.embeddings.position_embeddings.weight [14, 8]',
      'roberta.embeddings.token_type_embeddings.weight [1, 8]',
      'roberta.embeddings.LayerNorm.weight [8]',
      'roberta.embeddings.LayerNorm.bias [8]',
      'roberta.encoder.layer.0.attention.self.query.weight [8, 8]',
      'roberta.encoder.layer.0.attention.self.query.bias [8]',
      'roberta.encoder.layer.0.attention.self.key.weight [8, 8]',
      'roberta.encoder.layer.0.attention.self.key.bias [8]',
      'roberta.encoder.layer.0.attention.self.value.weight [8, 8]',
      'roberta.encoder.layer.0.attention.self.value.bias [8]',
      'roberta.encoder.layer.0.attention.output.dense.weight [8, 8]',
      'roberta.encoder.layer.0.attention.output.dense.bias [8]',
      'roberta.encoder.layer.0.attention.output.LayerNorm.weight [8]',
      'roberta.encoder.layer.0.attention.output.LayerNorm.bias [8]',
      'roberta.encoder.layer.0.intermediate.dense.weight [12, 8]',
      'roberta.encoder.layer.0.intermediate.dense.bias [12]',
      'roberta.encoder.layer.0.output.dense.weight [8, 12]',
      'roberta.encoder.layer.0.output.dense.bias [8]',
      'roberta.encoder.layer.0.output.LayerNorm.weight [8]',
      'roberta.encoder.layer.0.output.LayerNorm.bias [8]',
      'classifier.dense.weight [8, 8]',
      'classifier.dense.bias [8]',
      'classifier.out_proj.weight [3, 8]',
      'classifier.out_proj.bias [3]',
    ]);
    const base = new RobertaModel({ ...ROBERTA, numLayers: 1 });
    expect(namesAndShapes(base).slice(-2)).toEqual(['pooler.dense.weight [8, 8]', 'pooler.dense.bias [8]']);
    model.dispose();
    base.dispose();
  });

  test('RoBERTa position ids: padding keeps the padding id, real tokens count from it + 1, after any past', () => {
    const ids = [
      [0, 5, 6, 2, 1, 1],
      [1, 1, 0, 5, 6, 2],
      [0, 1, 5, 2, 1, 7],
    ];
    const flat = (past: number) => Array.from(positionsAfterPadding(ids.flat(), { batch: 3, seq: 6, pastLength: past }, 1));
    expect(flat(0)).toEqual([2, 3, 4, 5, 1, 1, 1, 1, 2, 3, 4, 5, 2, 1, 3, 4, 1, 5]);
    expect(flat(3)).toEqual([5, 6, 7, 8, 1, 1, 1, 1, 5, 6, 7, 8, 5, 1, 6, 7, 1, 8]);
    // The same as Hugging Face's cumsum formula, row by row.
    expect(flat(3)).toEqual(ids.flatMap((row) => robertaPositionIds(row, 1, 3)));
  });

  test('what the layouts cannot take is a typed error', () => {
    const model = distilbert();
    expect(() => model.call({ inputIds: int([[2, 3]]), tokenTypeIds: int([[0, 0]]) })).toThrow(InvalidArgumentError);
    expect(() => model.call({ inputIds: int([[2, 3]]), tokenTypeIds: int([[0, 0]]) })).toThrow(/expected none, distilbert has no token type embeddings/);
    model.dispose();
    expect(() => new DistilBertModel({ ...DISTILBERT, typeVocabSize: 2 })).toThrow(ModelConfigError);
    expect(() => new RobertaModel({ ...ROBERTA, padTokenId: undefined })).toThrow(/config 'padTokenId': expected a token id: roberta numbers positions after the padding id/);
    const long = roberta();
    // 14 positions, the first real one is 2: 12 tokens fit, 13 do not.
    const logits = long.call({ inputIds: int([Array.from({ length: 12 }, () => 4)]) }).logits;
    expect(logits.shape).toEqual([1, 3]);
    expect(() => long.call({ inputIds: int([Array.from({ length: 13 }, () => 4)]) })).toThrow(/13 positions from position 2, over the model's maxPositions 14/);
    tf.dispose(logits);
    long.dispose();
  });
});
