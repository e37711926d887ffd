import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, manualSeed, ShapeMismatchError } from '@peftjs/core';
import { expectClose, finiteDifferencesAt, onBackend, pick, TEST_BACKENDS, weightsByName } from '../../test/helpers';
import { gpt2Hidden, gpt2Logits } from '../../test/reference/gpt2';
import { matmul, transpose } from '../../test/reference/math';
import { TokenIdOutOfRangeError } from '../errors';
import { gpt2Config, type GPT2Config } from './config';
import { GPT2LMHeadModel } from './lm-head';
import { GPT2ForSequenceClassification } from './sequence-classification';
import { sharedFixture } from '../../../core/test/shared-fixtures';

const peftFixture = sharedFixture('hf-peft/gpt2-lora-c_attn/adapter_model.safetensors');
const PEFT_FIXTURE = peftFixture.path;

const TINY: GPT2Config = gpt2Config({
  vocabSize: 23,
  maxPositions: 16,
  hiddenSize: 8,
  numLayers: 2,
  numHeads: 2,
  embdDropout: 0,
  attnDropout: 0,
  residDropout: 0,
  eosTokenId: undefined,
  bosTokenId: undefined,
});
const REF = { numLayers: TINY.numLayers, numHeads: TINY.numHeads, eps: TINY.layerNormEps };

function tinyLM(seed = 1): GPT2LMHeadModel {
  manualSeed(seed);
  const model = new GPT2LMHeadModel(TINY);
  // Default init makes biases and norms trivial; random values test that every one is used.
  for (const [path, p] of model.namedParameters()) {
    if (/(bias|ln_.*weight)$/.test(path)) p.assign(tf.tidy(() => tf.add(tf.randomUniform(p.shape, -0.5, 0.5, 'float32', seed), path.endsWith('weight') ? 1 : 0)));
  }
  return model.eval();
}

const ids = (rows: number[][]) => tf.tensor2d(rows, undefined, 'int32');

describe.each(TEST_BACKENDS)('GPT-2 on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test('logits match a plain-JS GPT-2 computed from the Hugging Face-named weights, with padding masked', () => {
    const model = tinyLM();
    const rows = [[3, 7, 1, 22, 5, 9], [4, 4, 8, 0, 0, 0]];
    const mask = [[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]];
    const before = tf.memory().numTensors;
    const out = model.call({ inputIds: ids(rows), attentionMask: tf.tensor2d(mask, undefined, 'int32') });
    expect(out.logits.shape).toEqual([2, 6, 23]);
    const logits = out.logits.arraySync() as number[][][];
    const w = weightsByName(model, 'transformer.');
    rows.forEach((row, b) => {
      const expected = gpt2Logits(w, REF, row, mask[b].map(Boolean));
      const real = mask[b].filter(Boolean).length;
      expectClose(logits[b].slice(0, real).flat(), expected.slice(0, real).flat(), 1e-4, 1e-3);
    });
    tf.dispose(out);
    // Two input tensors were made above; nothing else may remain.
    expect(tf.memory().numTensors).toBe(before + 2);
    model.dispose();
  });

  test('inputsEmbeds (what soft prompts use) give the same logits as the ids they embed', () => {
    const model = tinyLM();
    const input = ids([[1, 2, 3, 4]]);
    const byIds = model.call({ inputIds: input }).logits;
    const embeds = model.getInputEmbeddings().call(input);
    const byEmbeds = model.call({ inputsEmbeds: embeds }).logits;
    expectClose(byEmbeds.dataSync(), byIds.dataSync(), 1e-6, 1e-5);
    tf.dispose([input, byIds, embeds, byEmbeds]);
    model.dispose();
  });

  test('pastKeyValues from a first call continue the sequence exactly, with positions offset by the past', () => {
    const model = tinyLM();
    const full = model.call({ inputIds: ids([[5, 6, 7, 8, 9], [1, 3, 5, 7, 9]]) }).logits;
    const first = model.call({ inputIds: ids([[5, 6, 7], [1, 3, 5]]), useCache: true });
    expect(first.pastKeyValues).toHaveLength(2);
    expect(first.pastKeyValues![0].key.shape).toEqual([2, 2, 3, 4]);
    const second = model.call({
      inputIds: ids([[8, 9], [7, 9]]),
      pastKeyValues: first.pastKeyValues,
      attentionMask: tf.ones([2, 5], 'int32'),
      useCache: true,
    });
    expect(second.pastKeyValues![1].value.shape).toEqual([2, 2, 5, 4]);
    const tail = tf.slice(full, [0, 3, 0], [2, 2, 23]);
    expectClose(second.logits.dataSync(), tail.dataSync(), 1e-5, 1e-4);
    tf.dispose([full, first, second, tail]);
    model.dispose();
  });

  test('hidden states: one per layer plus the final, as Hugging Face returns them', () => {
    const model = tinyLM();
    const out = model.call({ inputIds: ids([[1, 2, 3]]), outputHiddenStates: true });
    expect(out.hiddenStates).toHaveLength(TINY.numLayers + 1);
    const expected = gpt2Hidden(weightsByName(model, 'transformer.'), REF, [1, 2, 3]);
    expectClose(out.hiddenStates![TINY.numLayers].dataSync(), expected.flat(), 1e-4, 1e-3);
    tf.dispose(out);
    model.dispose();
  });

  test('GPT2ForSequenceClassification scores the last non-padding token', () => {
    manualSeed(3);
    const model = new GPT2ForSequenceClassification({ ...TINY, numLabels: 3, padTokenId: 0 }).eval();
    const rows = [[4, 5, 6, 0, 0], [0, 0, 7, 8, 9], [1, 2, 3, 4, 5]];
    const logits = model.call({ inputIds: ids(rows) }).logits;
    expect(logits.shape).toEqual([3, 3]);
    const w = weightsByName(model, 'transformer.');
    const score = w('score.weight') as number[][];
    const expected = [[4, 5, 6], [7, 8, 9], [1, 2, 3, 4, 5]].map((row, b) => {
      // Left padding shifts positions in the model (positions 0..), so compare on the model's own view:
      // without padding tokens attended, the last real token of row 1 sees only the pads before it masked out.
      const keep = rows[b].map((id) => id !== 0);
      const hidden = b === 1 ? gpt2Hidden(w, REF, rows[b], keep) : gpt2Hidden(w, REF, row);
      const last = hidden[b === 1 ? 4 : row.length - 1];
      return matmul([last], transpose(score))[0];
    });
    const mask = tf.tensor2d(rows.map((r) => r.map((id) => Number(id !== 0))), undefined, 'int32');
    const masked = model.call({ inputIds: ids(rows), attentionMask: mask }).logits;
    expectClose(Array.from(masked.dataSync()).slice(3, 6), expected[1], 1e-4, 1e-3);
    expectClose(Array.from(logits.dataSync()).slice(0, 3), expected[0], 1e-4, 1e-3);
    expectClose(Array.from(logits.dataSync()).slice(6, 9), expected[2], 1e-4, 1e-3);
    tf.dispose([logits, mask, masked]);
    model.dispose();
  });
});

describe.each(TEST_BACKENDS)('GPT-2 gradients on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test('match finite differences, through the tied embedding and every kind of layer', () => {
    const model = tinyLM(5);
    const input = ids([[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]]);
    const mask = tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]], undefined, 'int32');
    const weights = tf.randomNormal([2, 5, 23], 0, 1, 'float32', 11);
    const loss = () => tf.tidy(() => tf.sum(tf.mul(model.call({ inputIds: input, attentionMask: mask }).logits, weights)) as tf.Scalar);
    const names = ['transformer.wte.weight', 'transformer.wpe.weight', 'transformer.h.0.attn.c_attn.weight', 'transformer.h.1.mlp.c_proj.bias', 'transformer.h.0.ln_2.weight'];
    const parameters = names.map((n) => model.getParameter(n));
    const { value, grads } = tf.variableGrads(loss, parameters.map((p) => p.variable));
    parameters.forEach((p) => {
      const indices = [0, 7, 13, Math.floor(p.size / 2), p.size - 1].filter((i) => i < p.size);
      const numeric = finiteDifferencesAt(p, indices, () => loss().dataSync()[0], 1e-2);
      expectClose(pick(grads[p.variable.name].dataSync(), indices), numeric, 2e-2, 2e-2);
    });
    tf.dispose([input, mask, weights, value, grads]);
    model.dispose();
  });
});

describe('GPT-2 structure and bad input', () => {
  beforeAll(() => onBackend('cpu'));

  peftFixture.test('module paths line up with a real peft GPT-2 LoRA adapter (c_attn targets, score head)', () => {
    const header = readSafetensorsHeaderNames(PEFT_FIXTURE);
    const model = new GPT2ForSequenceClassification(gpt2Config({ ...TINY, numLayers: 12, numLabels: 6 }));
    const modules = new Set(model.namedModules().map(([path]) => path));
    const parameters = new Map(model.namedParameters());
    for (const name of header.keys()) {
      const path = name.replace(/^base_model\.model\./, '');
      if (path.includes('.lora_')) {
        const target = path.slice(0, path.indexOf('.lora_'));
        expect(modules.has(target)).toBe(true);
        const layer = model.getSubmodule(target);
        expect(layer.outFeatures).toBe(3 * (layer.inFeatures as number));
      } else {
        expect(parameters.get(path)?.shape).toEqual([6, TINY.hiddenSize]);
        expect(header.get(name)![0]).toBe(6);
      }
    }
    model.dispose();
  });

  test('ids outside the vocabulary, bad masks and pasts are typed errors', () => {
    const model = tinyLM();
    expect(() => model.call({ inputIds: ids([[1, 23]]) })).toThrow(TokenIdOutOfRangeError);
    expect(() => model.call({ inputIds: ids([[1, -1]]) })).toThrow(/expected ids in \[0, 22\], found -1/);
    expect(() => model.call({})).toThrow(InvalidArgumentError);
    expect(() => model.call({ inputIds: ids([[1, 2]]), attentionMask: tf.ones([1, 3]) })).toThrow(ShapeMismatchError);
    expect(() => model.call({ inputIds: ids([[1, 2]]), pastKeyValues: [] })).toThrow(/one entry per layer \(2\), found 0/);
    expect(() => model.call({ inputIds: ids([Array.from({ length: 17 }, () => 1)]) })).toThrow(/maxPositions 16/);
    model.dispose();
  });
});

/** Tensor names and shapes from a safetensors header, read with plain Node (independent of any codec). */
function readSafetensorsHeaderNames(path: string): Map<string, number[]> {
  const bytes = fs.readFileSync(path);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, { shape: number[] }>;
  return new Map(Object.entries(header).filter(([k]) => k !== '__metadata__').map(([k, v]) => [k, v.shape]));
}
