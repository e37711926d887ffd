/**
 * Gradients of a loss with respect to the prompt parameters, from tfjs'
 * autodiff through the forward transforms, against central finite
 * differences: the prompt table of each method, the prefix MLP and the LSTM.
 * And the same gradient on wasm as on cpu (core registers the kernels wasm lacks).
 */
import * as tf from '@tensorflow/tfjs-core';
import { getPeftModel, type Parameter, type PeftModel } from '@peftjs/core';
import type { LogitsOutput, TransformerInput } from '@peftjs/models';
import { disposeAll, expectClose, lmInput, onBackend, perturb, tinyLM } from '../test/helpers';

type Model = PeftModel<TransformerInput, LogitsOutput>;

/** A scalar of the logits that weighs every element differently, so no gradient cancels by symmetry. */
function lossOf(model: Model): tf.Scalar {
  const input = lmInput();
  try {
    return tf.tidy(() => {
      const logits = model.call(input).logits;
      const weights = tf.sin(tf.reshape(tf.range(0, logits.size), logits.shape));
      return tf.mean(tf.mul(logits, weights)) as tf.Scalar;
    });
  } finally {
    disposeAll(input);
  }
}

function autodiff(model: Model, parameter: Parameter): Float32Array {
  return tf.tidy(() => tf.variableGrads(() => lossOf(model), [parameter.variable]).grads[parameter.variable.name].dataSync() as Float32Array).slice();
}

function finiteDifference(model: Model, parameter: Parameter, indices: number[], epsilon = 1e-2): number[] {
  const original = parameter.variable.dataSync().slice() as Float32Array;
  const at = (values: Float32Array) => {
    const t = tf.tensor(values, parameter.shape);
    parameter.assign(t);
    t.dispose();
    const loss = lossOf(model);
    const value = loss.dataSync()[0];
    loss.dispose();
    return value;
  };
  const result = indices.map((i) => {
    const plus = original.slice();
    const minus = original.slice();
    plus[i] += epsilon;
    minus[i] -= epsilon;
    return (at(plus) - at(minus)) / (2 * epsilon);
  });
  at(original);
  return result;
}

const CASES = [
  ['PROMPT_TUNING table', { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 3 }, 'embedding.weight'],
  ['PREFIX_TUNING table', { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 2 }, 'embedding.weight'],
  ['PREFIX_TUNING projection MLP', { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 2, prefix_projection: true, encoder_hidden_size: 6 }, 'transform.0.weight'],
  ['P_TUNING LSTM', { peft_type: 'P_TUNING', num_virtual_tokens: 3, encoder_reparameterization_type: 'LSTM', encoder_hidden_size: 4, encoder_num_layers: 1 }, 'lstm_head.weight_hh_l0_reverse'],
] as const;

describe('gradients of the prompt against finite differences (cpu)', () => {
  beforeAll(() => onBackend('cpu'));

  test.each(CASES)('%s', (_, config, local) => {
    const model = getPeftModel(tinyLM(), config);
    perturb(model, 'default', 0.5);
    const parameter = model.getParameter(`prompt_encoder.default.${local}`);
    const indices = [0, 5, Math.floor(parameter.size / 2), parameter.size - 1];
    const analytic = autodiff(model, parameter);
    expect(analytic.some((g) => g !== 0)).toBe(true);
    expectClose(indices.map((i) => analytic[i]), finiteDifference(model, parameter, indices), 2e-4, 2e-2);
    model.dispose();
  });
});

test('the prompt gradient on wasm equals the one on cpu', async () => {
  const gradientOn = async (backend: 'cpu' | 'wasm') => {
    await onBackend(backend);
    const model = getPeftModel(tinyLM(), { peft_type: 'P_TUNING', num_virtual_tokens: 3, encoder_hidden_size: 8 });
    perturb(model, 'default', 0.5);
    const gradient = autodiff(model, model.getParameter('prompt_encoder.default.embedding.weight'));
    model.dispose();
    return gradient;
  };
  const cpu = await gradientOn('cpu');
  expectClose(await gradientOn('wasm'), cpu, 1e-6, 1e-3);
});
