/** Gradients of LoRA layers against finite differences: training computes what the formulas say. */
import * as tf from '@tensorflow/tfjs-core';
import { getPeftModel, type PeftModel } from '@peftjs/core';
import { expectGradientsMatchFiniteDifferences, imageInput, makeCnn, makeConv1dNet, makeMlp, makeTokenClassifier, onBackend } from '../../test/helpers';
import type { LoraLayer } from './lora-layer';

beforeAll(() => onBackend('cpu'));

const x = () => tf.tensor2d([[0.3, -0.8, 0.5, 0.1, -0.4, 0.9], [-0.2, 0.6, 0.7, -0.9, 0.3, 0.2]]);
/** A non-linear scalar of the output, so that second-order terms would show. */
const lossOf = (y: tf.Tensor) => tf.sum(tf.mul(tf.tanh(y), tf.tensor1d([0.7, -1.3, 0.4]))) as tf.Scalar;

function adapterParameters(model: PeftModel) {
  return model.adapterState('default');
}

describe('LoRA gradients match finite differences', () => {
  test('Linear: A, B (and a LoRA bias), with dropout off', () => {
    const model = getPeftModel(makeMlp(), { peft_type: 'LORA', r: 2, lora_alpha: 3, target_modules: ['body.2', 'head'], init_lora_weights: false, lora_bias: true });
    const input = x();
    expectGradientsMatchFiniteDifferences(adapterParameters(model), () => lossOf(model.call(input)));
    model.dispose();
  });

  test("GPT-2's Conv1D (fan_in_fan_out) and Conv2D", () => {
    const conv1d = getPeftModel(makeConv1dNet(), { peft_type: 'LORA', r: 2, lora_alpha: 2, fan_in_fan_out: true, target_modules: ['2'], init_lora_weights: false });
    const input = x();
    expectGradientsMatchFiniteDifferences(adapterParameters(conv1d), () => lossOf(conv1d.call(input)));
    conv1d.dispose();
    const cnn = getPeftModel(makeCnn(), { peft_type: 'LORA', r: 1, lora_alpha: 2, target_modules: ['4'], init_lora_weights: false });
    const images = imageInput();
    // Two output channels, NHWC.
    const channelLoss = (y: tf.Tensor) => tf.sum(tf.mul(tf.tanh(y), tf.tensor1d([0.7, -1.3]))) as tf.Scalar;
    expectGradientsMatchFiniteDifferences(adapterParameters(cnn), () => channelLoss(cnn.call(images)));
    cnn.dispose();
  });

  test('Embedding: lora_embedding_A and lora_embedding_B', () => {
    const model = getPeftModel(makeTokenClassifier(), { peft_type: 'LORA', r: 2, lora_alpha: 2, target_modules: ['embed'], init_lora_weights: false });
    const ids = tf.tensor2d([[1, 3, 3], [0, 19, 5]], undefined, 'int32');
    expectGradientsMatchFiniteDifferences(adapterParameters(model), () => lossOf(tf.sum(model.call(ids), 1)));
    model.dispose();
  });

  test('DoRA: the magnitude exactly; A and B with the weight norm held constant, as the paper prescribes', () => {
    const model = getPeftModel(makeMlp(), { peft_type: 'LORA', r: 2, lora_alpha: 2, target_modules: ['head'], init_lora_weights: false, use_dora: true });
    const layer = model.baseModel.getSubmodule('head') as unknown as LoraLayer;
    const input = x();
    // The reference computes DoRA by hand with the norm frozen at its current value.
    const features = tf.tidy(() => model.baseModel.getSubmodule('body').call(input) as tf.Tensor);
    const frozenNorm = tf.tidy(() => tf.norm(tf.add(layer.baseWeight.variable, layer.deltaWeight('default')), 'euclidean', 1));
    const reference = () =>
      tf.tidy(() => {
        const magnitude = layer.lora_magnitude_vector.get('default').weight.variable;
        const weight = tf.mul(tf.expandDims(tf.div(magnitude, frozenNorm), 1), tf.add(layer.baseWeight.variable, layer.deltaWeight('default')));
        return lossOf(tf.add(tf.matMul(features, weight, false, true), layer.baseBias!.variable));
      });
    expectGradientsMatchFiniteDifferences(adapterParameters(model), () => lossOf(model.call(input)), { reference });
    model.dispose();
  });
});
