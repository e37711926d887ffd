/** Every architecture: an inference step and a training step leave `tf.memory().numTensors` where it was. */
import * as tf from '@tensorflow/tfjs-core';
import { manualSeed, type Module } from '@peftjs/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { onBackend, TEST_BACKENDS } from '../test/helpers';
import { bertConfig } from './bert/config';
import { BertForSequenceClassification } from './bert/sequence-classification';
import { SmallCNN } from './cnn/small-cnn';
import { gpt2Config } from './gpt2/config';
import { GPT2LMHeadModel } from './gpt2/lm-head';
import { GPT2ForSequenceClassification } from './gpt2/sequence-classification';
import { MLP } from './mlp/mlp';
import { fromLayersModel } from './tfjs-layers';
import type { LogitsOutput, TransformerInput, TransformerModel } from './transformer/types';

const gpt2 = gpt2Config({ vocabSize: 17, maxPositions: 8, hiddenSize: 8, numLayers: 2, numHeads: 2, numLabels: 3, padTokenId: 0 });
const bert = bertConfig({ vocabSize: 17, maxPositions: 8, hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 8, numLabels: 3 });

function layersModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [4] });
  const hidden = tfl.layers.batchNormalization().apply(tfl.layers.dense({ units: 5, activation: 'relu' }).apply(input));
  return tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2 }).apply(hidden) as tfl.SymbolicTensor });
}

const cases: Array<[string, () => { model: Module<never, unknown>; input: () => unknown; output: (out: unknown) => tf.Tensor }]> = [
  ['MLP', () => ({ model: new MLP({ inputSize: 4, hiddenSizes: [5], outputSize: 2, dropout: 0.1 }), input: () => tf.ones([3, 4]), output: (o) => o as tf.Tensor })],
  ['SmallCNN', () => ({ model: new SmallCNN({ inputShape: [6, 6, 1], numClasses: 2, channels: [2] }), input: () => tf.ones([2, 6, 6, 1]), output: (o) => o as tf.Tensor })],
  ...([
    ['GPT2LMHeadModel', () => new GPT2LMHeadModel(gpt2)],
    ['GPT2ForSequenceClassification', () => new GPT2ForSequenceClassification(gpt2)],
    ['BertForSequenceClassification', () => new BertForSequenceClassification(bert)],
  ] as Array<[string, () => TransformerModel]>).map(
    ([name, build]) =>
      [
        name,
        () => ({
          model: build() as unknown as Module<never, unknown>,
          input: (): TransformerInput => ({ inputIds: tf.tensor2d([[1, 2, 3], [4, 5, 0]], undefined, 'int32'), attentionMask: tf.tensor2d([[1, 1, 1], [1, 1, 0]], undefined, 'int32'), useCache: true }),
          output: (o: unknown) => (o as LogitsOutput).logits,
        }),
      ] as (typeof cases)[number],
  ),
  ['LayersGraph', () => ({ model: fromLayersModel(layersModel()), input: () => tf.ones([3, 4]), output: (o) => o as tf.Tensor })],
];

describe.each(TEST_BACKENDS)('no tensor leaks on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test.each(cases)('%s: inference and training steps', (_, build) => {
    manualSeed(1);
    const { model, input, output } = build();
    const inputs = input();
    const call = (m: Module<never, unknown>) => (m as unknown as Module<unknown, unknown>).call(inputs);
    const before = tf.memory().numTensors;
    tf.dispose(call(model.eval()) as tf.TensorContainer);
    expect(tf.memory().numTensors).toBe(before);
    model.train();
    const trainable = model.parameters().filter((p) => p.trainable).map((p) => p.variable);
    const { value, grads } = tf.variableGrads(() => tf.sum(output(call(model))) as tf.Scalar, trainable);
    tf.dispose([value, grads]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(inputs as tf.TensorContainer);
    model.dispose();
  });
});
