/** ensure_weight_tying on tied modules (GPT-2's wte and lm_head share one weight): refused rather than silently untied. */
import { InvalidArgumentError, getPeftModel, manualSeed } from '@peftjs/core';
import { GPT2LMHeadModel, gpt2Config } from '@peftjs/models';
import { onBackend } from '../test/helpers';
import './register';

beforeAll(() => onBackend('cpu'));

const gpt2 = () => {
  manualSeed(1);
  return new GPT2LMHeadModel(gpt2Config({ vocabSize: 20, maxPositions: 8, numLayers: 1, numHeads: 2, hiddenSize: 8 }));
};
const LORA = { peft_type: 'LORA', r: 2, target_modules: ['c_attn'], fan_in_fan_out: true };

describe('ensure_weight_tying', () => {
  test.each([['lm_head'], ['wte']])('with modules_to_save [%s], a tied module, is an InvalidArgumentError that changes nothing', (saved) => {
    const base = gpt2();
    const names = base.namedModules().map(([n]) => n);
    const make = () => getPeftModel(base, { ...LORA, ensure_weight_tying: true, modules_to_save: [saved] });
    expect(make).toThrow(InvalidArgumentError);
    expect(make).toThrow(/ensure_weight_tying is true and '(lm_head|transformer\.wte)' shares its weight with another module; peftjs ties trainable_token_indices only/);
    expect(base.namedModules().map(([n]) => n)).toEqual(names);
    expect(base.parameters().every((p) => p.trainable)).toBe(true);
    base.dispose();
  });

  test('is harmless where nothing tied is adapted, and false keeps the untied behaviour', () => {
    for (const config of [{ ...LORA, ensure_weight_tying: true }, { ...LORA, ensure_weight_tying: false, modules_to_save: ['lm_head'] }]) {
      const model = getPeftModel(gpt2(), config);
      expect(model.adapterNames).toEqual(['default']);
      model.dispose();
    }
  });
});
