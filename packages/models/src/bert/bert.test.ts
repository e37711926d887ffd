import * as tf from '@tensorflow/tfjs-core';
import { manualSeed } from '@peftjs/core';
import { expectClose, finiteDifferencesAt, onBackend, pick, TEST_BACKENDS, weightsByName } from '../../test/helpers';
import { bertClassify, bertForward } from '../../test/reference/bert';
import { TokenIdOutOfRangeError } from '../errors';
import { bertConfig } from './config';
import { BertModel } from './model';
import { BertForSequenceClassification } from './sequence-classification';

const TINY = bertConfig({
  vocabSize: 29,
  hiddenSize: 8,
  numLayers: 2,
  numHeads: 2,
  intermediateSize: 12,
  maxPositions: 12,
  typeVocabSize: 2,
  numLabels: 3,
  hiddenDropout: 0.1,
  attentionDropout: 0.1,
});
const REF = { numLayers: TINY.numLayers, numHeads: TINY.numHeads, eps: TINY.layerNormEps };

function tinyClassifier(seed = 2): BertForSequenceClassification {
  manualSeed(seed);
  const model = new BertForSequenceClassification(TINY);
  for (const [path, p] of model.namedParameters()) {
    if (/(bias|LayerNorm\.weight)$/.test(path)) p.assign(tf.tidy(() => tf.add(tf.randomUniform(p.shape, -0.5, 0.5, 'float32', seed), path.endsWith('weight') ? 1 : 0)));
  }
  return model.eval();
}

const int = (rows: number[][]) => tf.tensor2d(rows, undefined, 'int32');

describe.each(TEST_BACKENDS)('BERT on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test('classifier logits match a plain-JS BERT from the Hugging Face-named weights, with segments and padding', () => {
    const model = tinyClassifier();
    const rows = [[2, 5, 9, 3, 11, 3], [2, 7, 3, 0, 0, 0]];
    const types = [[0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0]];
    const mask = [[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]];
    const out = model.call({ inputIds: int(rows), tokenTypeIds: int(types), attentionMask: int(mask) });
    const w = weightsByName(model, 'bert.');
    const expected = rows.flatMap((row, b) => bertClassify(w, weightsByName(model), REF, row, types[b], mask[b].map(Boolean)));
    expectClose(out.logits.dataSync(), expected, 1e-4, 1e-3);
    tf.dispose(out);
    model.dispose();
  });

  test('dropout acts in training mode only', () => {
    const model = tinyClassifier().train();
    const input = int([[2, 4, 6, 8]]);
    const a = model.call({ inputIds: input }).logits;
    const b = model.call({ inputIds: input }).logits;
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(b.dataSync()));
    model.eval();
    const c = model.call({ inputIds: input }).logits;
    const d = model.call({ inputIds: input }).logits;
    expect(Array.from(c.dataSync())).toEqual(Array.from(d.dataSync()));
    tf.dispose([input, a, b, c, d]);
    model.dispose();
  });

  test('prefix keys/values (prefix tuning) are attended to in every layer, with positions after the prefix', () => {
    manualSeed(4);
    const model = new BertModel(TINY).eval();
    // Two virtual tokens per layer, [batch 1, heads 2, 2, headDim 4]; the second real token is padding.
    const prefix = [0, 1].map((l) => ({ key: tf.randomNormal([1, 2, 2, 4], 0, 1, 'float32', 10 + l), value: tf.randomNormal([1, 2, 2, 4], 0, 1, 'float32', 20 + l) }));
    const out = model.call({ inputIds: int([[2, 5, 7]]), pastKeyValues: prefix, attentionMask: int([[1, 1, 1, 0, 1]]) });
    // Heads side by side, as the reference takes them: [2, heads * headDim].
    const merged = (t: tf.Tensor) => tf.tidy(() => tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [2, 8]).arraySync() as number[][]);
    const reference = bertForward(weightsByName(model), REF, [2, 5, 7], undefined, [true, true, true, false, true], prefix.map(({ key, value }) => ({ key: merged(key), value: merged(value) })));
    expectClose(out.lastHiddenState.dataSync(), reference.hidden.flat(), 1e-4, 1e-3);
    expectClose(out.poolerOutput!.dataSync(), reference.pooled, 1e-4, 1e-3);
    tf.dispose([prefix, out]);
    model.dispose();
  });
});

describe.each(TEST_BACKENDS)('BERT gradients on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test('match finite differences for embeddings, attention, feed-forward, pooler and classifier', () => {
    const model = tinyClassifier(6);
    const input = int([[2, 5, 9, 3], [2, 7, 3, 0]]);
    const mask = int([[1, 1, 1, 1], [1, 1, 1, 0]]);
    const weights = tf.tensor2d([[1, -2, 0.5], [0.3, 1, -1]]);
    const loss = () => tf.tidy(() => tf.sum(tf.mul(model.call({ inputIds: input, attentionMask: mask }).logits, weights)) as tf.Scalar);
    const names = [
      'bert.embeddings.word_embeddings.weight',
      'bert.embeddings.token_type_embeddings.weight',
      'bert.encoder.layer.0.attention.self.query.weight',
      'bert.encoder.layer.1.attention.self.value.bias',
      'bert.encoder.layer.0.output.LayerNorm.weight',
      'bert.encoder.layer.1.intermediate.dense.weight',
      'bert.pooler.dense.weight',
      'classifier.bias',
    ];
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

describe('BERT structure and bad input', () => {
  beforeAll(() => onBackend('cpu'));

  test('parameter names are those of Hugging Face BertForSequenceClassification', () => {
    const model = new BertForSequenceClassification({ ...TINY, numLayers: 1 });
    expect(model.namedParameters().map(([n]) => n)).toEqual([
      'bert.embeddings.word_embeddings.weight',
      'bert.embeddings.position_embeddings.weight',
      'bert.embeddings.token_type_embeddings.weight',
      'bert.embeddings.LayerNorm.weight',
      'bert.embeddings.LayerNorm.bias',
      'bert.encoder.layer.0.attention.self.query.weight',
      'bert.encoder.layer.0.attention.self.query.bias',
      'bert.encoder.layer.0.attention.self.key.weight',
      'bert.encoder.layer.0.attention.self.key.bias',
      'bert.encoder.layer.0.attention.self.value.weight',
      'bert.encoder.layer.0.attention.self.value.bias',
      'bert.encoder.layer.0.attention.output.dense.weight',
      'bert.encoder.layer.0.attention.output.dense.bias',
      'bert.encoder.layer.0.attention.output.LayerNorm.weight',
      'bert.encoder.layer.0.attention.output.LayerNorm.bias',
      'bert.encoder.layer.0.intermediate.dense.weight',
      'bert.encoder.layer.0.intermediate.dense.bias',
      'bert.encoder.layer.0.output.dense.weight',
      'bert.encoder.layer.0.output.dense.bias',
      'bert.encoder.layer.0.output.LayerNorm.weight',
      'bert.encoder.layer.0.output.LayerNorm.bias',
      'bert.pooler.dense.weight',
      'bert.pooler.dense.bias',
      'classifier.weight',
      'classifier.bias',
    ]);
    model.dispose();
  });

  test('token ids and segment ids outside their vocabularies are typed errors', () => {
    const model = tinyClassifier();
    expect(() => model.call({ inputIds: int([[29]]) })).toThrow(TokenIdOutOfRangeError);
    expect(() => model.call({ inputIds: int([[1]]), tokenTypeIds: int([[2]]) })).toThrow(/tokenTypeIds: expected ids in \[0, 1\], found 2/);
    model.dispose();
  });
});
