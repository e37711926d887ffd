/**
 * LoHa and LoKr on wasm (the browser's backend) give what they give on cpu:
 * the same seeded factors, outputs and gradients (CP rebuilds, Kronecker
 * products and convolutions with ΔW included).
 */
import * as tf from '@tensorflow/tfjs-core';
import { getPeftModel, type Module } from '@peftjs/core';
import { expectClose, imageInput, makeCnn, makeMlp, mlpInput, onBackend } from '../../test/helpers';

afterAll(() => onBackend('cpu'));

const CASES = [
  ['LoHa on Linear', () => makeMlp(), mlpInput, { peft_type: 'LOHA', r: 2, alpha: 3, init_weights: false, target_modules: ['body.0', 'head'] }],
  ['LoHa CP on Conv2D', () => makeCnn(), imageInput, { peft_type: 'LOHA', r: 2, alpha: 3, init_weights: false, use_effective_conv2d: true, target_modules: ['0', '4'] }],
  ['LoKr on Linear', () => makeMlp(), mlpInput, { peft_type: 'LOKR', r: 1, alpha: 2, init_weights: false, target_modules: ['body.0', 'head'] }],
  ['LoKr CP on Conv2D', () => makeCnn(), imageInput, { peft_type: 'LOKR', r: 1, alpha: 2, init_weights: false, use_effective_conv2d: true, target_modules: ['0', '2'] }],
] as const;

/** Output and the gradient of its mean square for every adapter parameter, as numbers. */
function run(makeBase: () => Module, input: () => tf.Tensor, config: Record<string, unknown>): number[][] {
  const model = getPeftModel(makeBase(), config);
  model.eval();
  const x = input();
  try {
    const parameters = model.adapterState('default').map(([, p]) => p.variable);
    return tf.tidy(() => {
      const output = Array.from((model.call(x) as tf.Tensor).dataSync());
      const { grads } = tf.variableGrads(() => tf.mean(tf.square(model.call(x) as tf.Tensor)) as tf.Scalar, parameters);
      return [output, ...parameters.map((v) => Array.from(grads[v.name].dataSync()))];
    });
  } finally {
    x.dispose();
    model.dispose();
  }
}

test.each(CASES)('%s: wasm equals cpu (outputs and gradients)', async (_name, makeBase, input, config) => {
  await onBackend('cpu');
  const onCpu = run(makeBase, input, config);
  await onBackend('wasm');
  const onWasm = run(makeBase, input, config);
  expect(onWasm.length).toBe(onCpu.length);
  onWasm.forEach((values, i) => expectClose(values, onCpu[i], 1e-5, 1e-4));
});
