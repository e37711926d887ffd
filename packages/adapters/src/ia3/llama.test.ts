/** IA3 on the Llama family with peft's defaults: k_proj and v_proj scaled on their output, down_proj on its input. */
import * as tf from '@tensorflow/tfjs-core';
import { getPeftModel, manualSeed } from '@peftjs/core';
import { LlamaForCausalLM, llamaConfig, type LlamaModelType } from '@peftjs/models';
import { expectClose, onBackend } from '../../test/helpers';
import '../index';

beforeAll(() => onBackend('cpu'));

const config = (modelType: LlamaModelType) =>
  llamaConfig({ modelType, vocabSize: 11, maxPositions: 8, hiddenSize: 8, intermediateSize: 6, numLayers: 1, numHeads: 2, numKeyValueHeads: 1, bosTokenId: undefined, eosTokenId: undefined, padTokenId: undefined });
const base = (modelType: LlamaModelType) => {
  manualSeed(2);
  return new LlamaForCausalLM(config(modelType)).eval();
};
const ids = () => tf.tensor2d([[1, 4, 9, 2]], [1, 4], 'int32');

test.each([
  ['llama', 'k_proj'],
  ['qwen2', 'q_proj'],
] as const)('%s: peft defaults (%s, v_proj, down_proj as feed-forward) and logits equal the weights scaled by hand', (modelType, first) => {
  const model = getPeftModel(base(modelType), { peft_type: 'IA3', task_type: 'CAUSAL_LM' });
  expect(model.peftConfig.default).toMatchObject({ target_modules: [first, 'v_proj', 'down_proj'], feedforward_modules: ['down_proj'] });
  const prefix = 'base_model.model.model.layers.0.';
  const shapes = Object.fromEntries(model.adapterState('default').map(([name, p]) => [name.slice(prefix.length), p.shape]));
  // Output scaling for attention projections ([out, 1]), input scaling for the feed-forward ([1, in]).
  expect(shapes).toEqual({ [`self_attn.${first}.ia3_l.default`]: [first === 'q_proj' ? 8 : 4, 1], 'self_attn.v_proj.ia3_l.default': [4, 1], 'mlp.down_proj.ia3_l.default': [1, 6] });
  const vectors: Record<string, tf.Tensor> = {};
  for (const [name, p] of model.adapterState('default')) {
    p.assign(tf.tidy(() => tf.randomUniform(p.shape, 0.5, 1.5, 'float32', name.length)));
    vectors[name.slice(prefix.length).replace('.ia3_l.default', '')] = p.variable;
  }
  const reference = base(modelType);
  for (const [module, vector] of Object.entries(vectors)) {
    const owner = `model.layers.0.${module}`;
    for (const which of ['weight', 'bias']) {
      const parameter = reference.namedParameters().find(([path]) => path === `${owner}.${which}`)?.[1];
      if (parameter === undefined) continue;
      // [out, 1] scales rows (and the bias); [1, in] scales the weight's columns.
      parameter.assign(tf.tidy(() => (which === 'bias' ? tf.mul(parameter.variable, tf.reshape(vector, [-1])) : tf.mul(parameter.variable, vector))));
    }
  }
  const got = tf.tidy(() => Array.from(model.call({ inputIds: ids() }).logits.dataSync()));
  const expected = tf.tidy(() => Array.from(reference.call({ inputIds: ids() }).logits.dataSync()));
  expectClose(got, expected, 1e-5);
  model.dispose();
  reference.dispose();
});
