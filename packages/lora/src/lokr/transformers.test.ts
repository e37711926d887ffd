/**
 * LoHa and LoKr on @peftjs/models' BERT (its Linear layers; 'all-linear'
 * leaves out the classifier, as peft) and their typed refusal of GPT-2's
 * Conv1D, which peft's LyCORIS layers do not adapt either.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Generator, getPeftModel, manualSeed, type Module } from '@peftjs/core';
import { BertForSequenceClassification, GPT2ForSequenceClassification, bertConfig, gpt2Config } from '@peftjs/models';
import { UnsupportedLayerError } from '../errors';
import { isLycorisLayer } from '../lycoris/layer';
import { expectClose, onBackend, valuesOf } from '../../test/helpers';

beforeAll(() => onBackend('cpu'));

function tinyBert(): BertForSequenceClassification {
  manualSeed(3);
  return new BertForSequenceClassification(bertConfig({ vocabSize: 30, maxPositions: 16, hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 16, numLabels: 3 }));
}

const input = () => ({ inputIds: tf.tensor2d([[3, 9, 17, 4, 0], [3, 22, 4, 0, 0]], undefined, 'int32'), attentionMask: tf.tensor2d([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]], undefined, 'int32') });

function logitsOf(model: { call(input: never): unknown }): number[] {
  const x = input();
  try {
    return tf.tidy(() => valuesOf((model.call(x as never) as { logits: tf.Tensor }).logits));
  } finally {
    tf.dispose(Object.values(x));
  }
}

describe.each([
  ['LOHA', { r: 2, alpha: 4 }],
  ['LOKR', { r: 2, alpha: 4, decompose_both: true }],
] as const)('%s on BERT', (method, extra) => {
  test("'all-linear' adapts every Linear but the classifier; init gives the base logits exactly; merged equals unmerged", () => {
    const baseLogits = logitsOf(tinyBert().eval());
    const model = getPeftModel(tinyBert(), { peft_type: method, ...extra, target_modules: 'all-linear' });
    const adapted = (model.baseModel as Module<never, unknown>).namedModules().filter(([, m]) => isLycorisLayer(m)).map(([path]) => path);
    // Six per encoder layer and the pooler (a Linear that is not the output layer, so peft takes it too).
    expect(adapted).toHaveLength(13);
    expect(adapted[12]).toBe('bert.pooler.dense');
    expect(adapted.filter((path) => path.startsWith('bert.encoder.layer.0.'))).toEqual([
      'bert.encoder.layer.0.attention.self.query',
      'bert.encoder.layer.0.attention.self.key',
      'bert.encoder.layer.0.attention.self.value',
      'bert.encoder.layer.0.attention.output.dense',
      'bert.encoder.layer.0.intermediate.dense',
      'bert.encoder.layer.0.output.dense',
    ]);
    model.eval();
    expect(logitsOf(model as never)).toEqual(baseLogits);
    const rng = new Generator(9);
    for (const [, p] of model.adapterState('default')) {
      const moved = tf.tensor(Float32Array.from({ length: p.variable.size }, () => rng.uniform() - 0.5), p.shape);
      p.assign(moved);
      moved.dispose();
    }
    const unmerged = logitsOf(model as never);
    expect(unmerged).not.toEqual(baseLogits);
    model.mergeAdapter();
    expectClose(logitsOf(model as never), unmerged, 1e-5, 1e-5);
    model.dispose();
  });

  test("left unset, target_modules are peft's defaults, LoRA's (query and value for BERT)", () => {
    const model = getPeftModel(tinyBert(), { peft_type: method, ...extra });
    expect(model.peftConfig.default.target_modules).toEqual(['query', 'value']);
    const adapted = (model.baseModel as Module<never, unknown>).namedModules().filter(([, m]) => isLycorisLayer(m)).map(([path]) => path);
    expect(adapted).toEqual(['bert.encoder.layer.0.attention.self.query', 'bert.encoder.layer.0.attention.self.value', 'bert.encoder.layer.1.attention.self.query', 'bert.encoder.layer.1.attention.self.value']);
    model.dispose();
  });

  test("GPT-2's Conv1D layers are refused with a typed error naming the path", () => {
    manualSeed(2);
    const gpt2 = new GPT2ForSequenceClassification(gpt2Config({ vocabSize: 30, maxPositions: 16, hiddenSize: 8, numLayers: 1, numHeads: 2, numLabels: 3 }));
    expect(() => getPeftModel(gpt2, { peft_type: method, ...extra, target_modules: ['c_attn'] })).toThrow(UnsupportedLayerError);
    expect(() => getPeftModel(gpt2, { peft_type: method, ...extra, target_modules: ['c_attn'] })).toThrow(`${method}: target module 'transformer.h.0.attn.c_attn' is a Conv1D`);
  });
});
