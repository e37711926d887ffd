import * as tf from '@tensorflow/tfjs-core';
import { AdamW, getPeftModel, train } from '@peftjs/core';
import { makeMlp, mlpInput, onBackend } from '../test/helpers';
import { createLoraPlusOptimizer, loraPlusParameterGroups } from '.';

beforeAll(() => onBackend('cpu'));

const config = { peft_type: 'LORA', target_modules: ['body.0', 'head'], r: 2, lora_alpha: 4, init_lora_weights: false, bias: 'lora_only' };

describe('LoRA+', () => {
  test("peft's groups: lora_B and 1-D parameters fast, biases without decay, the rest at the base rate", () => {
    const model = getPeftModel(makeMlp(), config);
    const [base, fast, fastNoDecay] = loraPlusParameterGroups(model, { ratio: 16, learningRate: 1e-3, weightDecay: 0.1 });
    const names = (group: typeof base) => [...(group.parameters as readonly string[])].sort();
    expect(names(base)).toEqual(['base_model.model.body.0.lora_A.default.weight', 'base_model.model.head.lora_A.default.weight']);
    expect(names(fast)).toEqual(['base_model.model.body.0.lora_B.default.weight', 'base_model.model.head.lora_B.default.weight']);
    expect(names(fastNoDecay)).toEqual(['base_model.model.body.0.base_layer.bias', 'base_model.model.head.base_layer.bias']);
    expect([base.learningRate, fast.learningRate, fastNoDecay.learningRate]).toEqual([1e-3, 16e-3, 16e-3]);
    expect([base.weightDecay, fast.weightDecay, fastNoDecay.weightDecay]).toEqual([0.1, 0.1, 0]);
    expect(() => loraPlusParameterGroups(model, { ratio: 0, learningRate: 1e-3 })).toThrow(/ratio: expected a finite number > 0/);
    model.dispose();
  });

  test('in the training loop, lora_B moves as AdamW at ratio × lr would move it, lora_A as AdamW at lr', async () => {
    const runWith = async (make: (model: ReturnType<typeof getPeftModel>) => AdamW) => {
      const model = getPeftModel(makeMlp(), { ...config, bias: 'none' });
      const target = tf.zeros([3, 3]);
      await train(model, [{ x: mlpInput(), y: target }], {
        epochs: 1,
        optimizer: make(model),
        loss: (m, batch: { x: tf.Tensor; y: tf.Tensor }) => tf.losses.meanSquaredError(batch.y, m.call(batch.x) as tf.Tensor),
      });
      const values = Object.fromEntries(model.namedParameters().filter(([p]) => p.includes('lora_')).map(([p, v]) => [p, Array.from(v.variable.dataSync())]));
      model.dispose();
      return values;
    };
    const plus = await runWith((model) => createLoraPlusOptimizer(model, { ratio: 8, learningRate: 1e-2 }) as AdamW);
    const slow = await runWith(() => new AdamW({ learningRate: 1e-2, weightDecay: 0 }));
    const fast = await runWith(() => new AdamW({ learningRate: 8e-2, weightDecay: 0 }));
    for (const name of Object.keys(plus)) expect(plus[name]).toEqual((name.includes('lora_B') ? fast : slow)[name]);
    // The step moved the factors, and the two rates differ, so the comparison can fail.
    const b = 'base_model.model.head.lora_B.default.weight';
    expect(fast[b]).not.toEqual(slow[b]);
  });
});
