import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { countParameters, Embedding, functionalCall, InvalidArgumentError, LayerNorm, Linear, manualSeed, Module } from '@peftjs/core';
import { expectClose, finiteDifferencesAt, onBackend, pick, TEST_BACKENDS } from '../../test/helpers';
import { SmallCNN } from '../cnn/small-cnn';
import { UnsupportedLayerError } from '../errors';
import { gpt2Config } from '../gpt2/config';
import { GPT2LMHeadModel } from '../gpt2/lm-head';
import { Conv2D } from '../layers/conv2d';
import { MLP } from '../mlp/mlp';
import { fromLayersModel, LayersGraph, toLayersModel, WrappedLayer } from './index';

/**
 * Two inputs, two outputs; a BatchNormalization and a DepthwiseConv2D (wrapped),
 * a residual-style merge, a layer called twice, and a nested Sequential.
 */
function buildModel(): tfl.LayersModel {
  const image = tfl.input({ shape: [8, 8, 3], name: 'image' });
  const tokens = tfl.input({ shape: [5], name: 'tokens' });
  let x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv_a' }).apply(image) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'bn' }).apply(x) as tfl.SymbolicTensor;
  const branch1 = tfl.layers.conv2d({ filters: 4, kernelSize: 2, strides: 2, padding: 'same', name: 'conv_b' }).apply(x) as tfl.SymbolicTensor;
  const branch2 = tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', name: 'dw' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.add({ name: 'merge' }).apply([branch1, branch2]) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.flatten({ name: 'flat' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: 16, activation: 'relu', name: 'dense_1' }).apply(x) as tfl.SymbolicTensor;
  let t = tfl.layers.embedding({ inputDim: 11, outputDim: 6, name: 'embed' }).apply(tokens) as tfl.SymbolicTensor;
  t = tfl.layers.layerNormalization({ name: 'ln' }).apply(t) as tfl.SymbolicTensor;
  t = tfl.layers.globalAveragePooling1d({ name: 'gap' }).apply(t) as tfl.SymbolicTensor;
  const shared = tfl.layers.dense({ units: 16, activation: 'tanh', name: 'shared' });
  const fromTokens = shared.apply(t) as tfl.SymbolicTensor;
  const fromImage = shared.apply(tfl.layers.dense({ units: 6, name: 'proj' }).apply(x)) as tfl.SymbolicTensor;
  // dense_1 sees 2 x 2 x 4 = 16 features (8x8, stride 2, pool 2).
  let merged = tfl.layers.concatenate({ name: 'concat' }).apply([x, fromTokens, fromImage]) as tfl.SymbolicTensor;
  merged = tfl.layers.dropout({ rate: 0.3, name: 'drop' }).apply(merged) as tfl.SymbolicTensor;
  const head = tfl.sequential({
    name: 'head',
    layers: [tfl.layers.dense({ units: 8, inputShape: [48], activation: 'gelu', name: 'sub_dense' }), tfl.layers.dense({ units: 4, name: 'sub_out' })],
  });
  const probs = tfl.layers.activation({ activation: 'softmax', name: 'probs' }).apply(head.apply(merged)) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: [image, tokens], outputs: [probs, fromTokens], name: 'two_towers' });
  // Non-trivial values everywhere (BatchNormalization's moving statistics start at 0 and 1).
  let seed = 1;
  for (const layer of model.layers) {
    if (layer.weights.length > 0) layer.setWeights(layer.weights.map((w) => tf.add(tf.randomUniform(w.shape as number[], -0.6, 0.6, 'float32', seed++), w.originalName.includes('variance') ? 1 : 0)));
  }
  return model;
}

const sampleInputs = () => [tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 7), tf.tensor2d([[1, 5, 10, 0, 3], [2, 2, 9, 4, 7]])];

describe.each(TEST_BACKENDS)('tfjs-layers import on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test('a functional model with branches, merges, a shared layer and a nested model computes what tfjs computes', () => {
    const model = buildModel();
    const graph = fromLayersModel(model).eval();
    const inputs = sampleInputs();
    const expected = model.predict(inputs) as tf.Tensor[];
    const actual = graph.call(inputs) as tf.Tensor[];
    expect(actual).toHaveLength(2);
    expectClose(actual[0].dataSync(), expected[0].dataSync(), 1e-5, 1e-4);
    expectClose(actual[1].dataSync(), expected[1].dataSync(), 1e-5, 1e-4);
    tf.dispose([inputs, expected, actual]);
    graph.dispose();
    model.dispose();
  });

  test('export round-trips through model.save and tf.loadLayersModel', async () => {
    const model = buildModel();
    const graph = fromLayersModel(model).eval();
    const exported = toLayersModel(graph);
    let saved: tf.io.ModelArtifacts | undefined;
    await exported.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    const inputs = sampleInputs();
    const expected = graph.call(inputs) as tf.Tensor[];
    const actual = loaded.predict(inputs) as tf.Tensor[];
    expectClose(actual[0].dataSync(), expected[0].dataSync(), 1e-5, 1e-4);
    expectClose(actual[1].dataSync(), expected[1].dataSync(), 1e-5, 1e-4);
    // Imported again, the loaded model is the same tree: the shared layer is still one layer, the nested model still nested.
    const again = fromLayersModel(loaded);
    expect(again.namedParameters().map(([p]) => p)).toEqual(graph.namedParameters().map(([p]) => p));
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    tf.dispose([inputs, expected, actual]);
    for (const m of [graph, again]) m.dispose();
    for (const m of [model, exported, loaded]) m.dispose();
  });

  test('MLP and SmallCNN export to models that compute what they compute', async () => {
    manualSeed(5);
    const mlp = new MLP({ inputSize: 5, hiddenSizes: [7, 6], outputSize: 3, activation: 'gelu_new', dropout: 0.2 }).eval();
    const cnn = new SmallCNN({ inputShape: [8, 6, 2], channels: [3, 4], numClasses: 4 }).eval();
    const conv = new Conv2D(2, 3, 3, { padding: 1, stride: 2 });
    for (const [module, x, inputShapes] of [
      [mlp, tf.randomNormal([4, 5], 0, 1, 'float32', 1), undefined],
      [cnn, tf.randomNormal([2, 8, 6, 2], 0, 1, 'float32', 2), [[8, 6, 2]]],
      [conv, tf.randomNormal([1, 5, 5, 2], 0, 1, 'float32', 3), [[5, 5, 2]]],
    ] as const) {
      const exported = toLayersModel(module as unknown as Module, { inputShapes });
      const expected = (module as unknown as Module).call(x);
      const actual = exported.predict(x) as tf.Tensor;
      expectClose(actual.dataSync(), expected.dataSync(), 1e-5, 1e-4);
      tf.dispose([x, expected, actual]);
      exported.dispose();
    }
    for (const m of [mlp, cnn, conv]) m.dispose();
  });
});

describe.each(TEST_BACKENDS)('tfjs-layers import gradients on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test('gradients reach native parameters through wrapped layers and match finite differences', () => {
    const model = buildModel();
    const graph = fromLayersModel(model).eval();
    const inputs = sampleInputs();
    const loss = () => tf.tidy(() => {
      const [probs, features] = graph.call(inputs) as tf.Tensor[];
      return tf.add(tf.sum(tf.mul(probs, tf.tensor1d([1, -2, 3, 0.5]))), tf.sum(tf.square(features))) as tf.Scalar;
    });
    const names = ['conv_a.weight', 'conv_b.bias', 'embed.weight', 'ln.weight', 'dense_1.weight', 'shared.weight', 'head.sub_dense.weight'];
    const parameters = names.map((n) => graph.getParameter(n));
    const { value, grads } = tf.variableGrads(loss, parameters.map((p) => p.variable));
    for (const p of parameters) {
      const indices = [0, 3, 17, Math.floor(p.size / 2), p.size - 1].filter((i) => i < p.size);
      expectClose(pick(grads[p.variable.name].dataSync(), indices), finiteDifferencesAt(p, indices, () => loss().dataSync()[0], 5e-3), 2e-3, 3e-2);
    }
    tf.dispose([inputs, value, grads]);
    graph.dispose();
    model.dispose();
  });
});

describe('tfjs-layers import: the module tree', () => {
  beforeAll(() => onBackend('cpu'));

  test('Dense, Conv2D, Embedding and LayerNormalization are native targets; the rest is wrapped, frozen and counted', () => {
    const model = buildModel();
    const graph = fromLayersModel(model);
    const kinds = (cls: abstract new (...args: never[]) => unknown) => graph.namedModules().filter(([, m]) => m instanceof cls).map(([p]) => p);
    expect(kinds(Linear)).toEqual(['dense_1', 'proj', 'shared', 'head.sub_dense', 'head.sub_out']);
    expect(kinds(Conv2D)).toEqual(['conv_a', 'conv_b']);
    expect(kinds(Embedding)).toEqual(['embed']);
    expect(kinds(LayerNorm)).toEqual(['ln']);
    expect(kinds(WrappedLayer)).toEqual(['bn', 'dw', 'merge', 'pool', 'flat', 'gap', 'concat', 'probs']);
    expect(kinds(LayersGraph)).toEqual(['', 'head']);
    expect(graph.getParameter('dense_1.weight').shape).toEqual([16, 16]);
    expect(graph.getParameter('conv_a.weight').shape).toEqual([4, 3, 3, 3]);
    expect(graph.getParameter('bn.moving_variance').trainable).toBe(false);
    expect(graph.getParameter('dw.depthwise_kernel').trainable).toBe(false);
    expect(countParameters(graph).total).toBe(model.countParams());
    graph.dispose();
    model.dispose();
  });

  test('a module swapped in with setSubmodule runs in its place, keeping the node activation', () => {
    const model = buildModel();
    const graph = fromLayersModel(model).eval();
    const inputs = sampleInputs();
    const replacement = new Linear(16, 16);
    replacement.weight.assign(tf.zerosLike(replacement.weight.variable));
    replacement.bias!.assign(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i - 8)));
    graph.setSubmodule('dense_1', replacement);
    const dense = model.getLayer('dense_1');
    dense.setWeights([tf.zeros([16, 16]), tf.tensor1d(Array.from({ length: 16 }, (_, i) => i - 8))]);
    const expected = model.predict(inputs) as tf.Tensor[];
    const actual = graph.call(inputs) as tf.Tensor[];
    expectClose(actual[0].dataSync(), expected[0].dataSync(), 1e-5, 1e-4);
    tf.dispose([inputs, expected, actual]);
    graph.dispose();
    model.dispose();
  });

  test('functionalCall replaces native parameters; wrapped layers refuse it', () => {
    const model = buildModel();
    const graph = fromLayersModel(model).eval();
    const inputs = sampleInputs();
    const zeros = tf.zeros([4, 16]);
    const out = functionalCall(graph, { 'head.sub_out.weight': tf.zeros([4, 8]) }, inputs) as tf.Tensor[];
    // With a zero last layer, logits are its bias alone: every row gets the same probabilities.
    const rows = out[0].arraySync() as number[][];
    expectClose(rows[0], rows[1], 1e-6, 1e-6);
    expect(() => functionalCall(graph, { 'bn.gamma': tf.ones([4]) }, inputs)).toThrow(InvalidArgumentError);
    tf.dispose([inputs, zeros, out]);
    graph.dispose();
    model.dispose();
  });

  test('unsupported layers and modules are typed errors naming them', () => {
    const masked = tfl.sequential({ layers: [tfl.layers.embedding({ inputDim: 5, outputDim: 2, inputLength: 3, maskZero: true, name: 'masked' })] });
    expect(() => fromLayersModel(masked)).toThrow(UnsupportedLayerError);
    expect(() => fromLayersModel(masked)).toThrow(/'masked' \(Embedding\): maskZero/);
    manualSeed(1);
    const gpt2 = new GPT2LMHeadModel(gpt2Config({ vocabSize: 10, maxPositions: 4, hiddenSize: 4, numLayers: 1, numHeads: 1 }));
    expect(() => toLayersModel(gpt2, { inputShapes: [[4]] })).toThrow(/'\(root\)' \(GPT2LMHeadModel\): no tfjs-layers counterpart/);
    class Scale extends Module {
      forward(x: tf.Tensor): tf.Tensor {
        return tf.mul(x, 2);
      }
    }
    const mlp = new MLP({ inputSize: 3, hiddenSizes: [4], outputSize: 2 });
    mlp.setSubmodule('1', new Scale());
    expect(() => toLayersModel(mlp)).toThrow(/'1' \(Scale\)/);
    expect(() => toLayersModel(new SmallCNN({ inputShape: [4, 4, 1], numClasses: 2, channels: [2] }))).toThrow(/inputShapes/);
    for (const m of [masked]) m.dispose();
    gpt2.dispose();
    mlp.dispose();
  });
});
