import * as tf from '@tensorflow/tfjs-core';
import { onBackend } from '../../test/helpers';
import { Linear } from '../nn/layers/linear';
import { Module, type AnyModule } from '../nn/module';
import { defaultTargetModules, knownArchitecture } from './default-targets';

beforeAll(() => onBackend('cpu'));

class Named extends Module {
  constructor(children: Record<string, Module<never, unknown>>, readonly config?: Record<string, unknown>) {
    super();
    for (const [name, child] of Object.entries(children)) this.addModule(name, child);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return x;
  }
}

const linear = () => new Linear(2, 2);
const llamaLayer = () =>
  new Named({
    self_attn: new Named({ q_proj: linear(), k_proj: linear(), v_proj: linear(), o_proj: linear() }),
    mlp: new Named({ gate_proj: linear(), up_proj: linear(), down_proj: linear() }),
    input_layernorm: new Named({}),
    post_attention_layernorm: new Named({}),
  });
/** A Llama-shaped decoder whose config may declare a Hugging Face model_type. */
const decoder = (config?: Record<string, unknown>) => new Named({ model: new Named({ layers: new Named({ 0: llamaLayer() }) }), lm_head: linear() }, config) as unknown as AnyModule;

describe("peft's default targets by Hugging Face model_type", () => {
  // Each row is peft's TRANSFORMERS_MODELS_TO_{LORA,IA3}_TARGET_MODULES_MAPPING entry for that type.
  test.each([
    ['llama', ['q_proj', 'v_proj'], ['k_proj', 'v_proj', 'down_proj']],
    ['mistral', ['q_proj', 'v_proj'], ['k_proj', 'v_proj', 'down_proj']],
    ['gemma', ['q_proj', 'v_proj'], ['q_proj', 'v_proj', 'down_proj']],
    ['gemma2', ['q_proj', 'v_proj'], ['q_proj', 'v_proj', 'down_proj']],
    ['gemma3_text', ['q_proj', 'v_proj'], ['q_proj', 'v_proj', 'down_proj']],
    ['qwen2', ['q_proj', 'v_proj'], ['q_proj', 'v_proj', 'down_proj']],
    ['qwen3', ['q_proj', 'v_proj'], ['q_proj', 'v_proj', 'down_proj']],
  ])('%s: LoRA %j, IA3 %j with down_proj as feed-forward', (type, lora, ia3) => {
    for (const config of [{ modelType: type }, { model_type: type }]) {
      const model = decoder(config);
      expect(knownArchitecture(model)).toBe(type);
      expect(defaultTargetModules(model, 'LORA')).toEqual({ target_modules: lora });
      expect(defaultTargetModules(model, 'IA3')).toEqual({ target_modules: ia3, feedforward_modules: ['down_proj'] });
      model.dispose();
    }
  });

  test('a declared type without peft defaults gets none, although its layers look like Llama (phi3, as in peft)', () => {
    const model = decoder({ modelType: 'phi3' });
    expect(knownArchitecture(model)).toBeUndefined();
    expect(defaultTargetModules(model, 'LORA')).toBeUndefined();
    model.dispose();
  });

  test('without a declared type, a Llama decoder layer (self_attn, mlp and its two norms) means llama', () => {
    const model = decoder();
    expect(knownArchitecture(model)).toBe('llama');
    expect(defaultTargetModules(model, 'LORA')).toEqual({ target_modules: ['q_proj', 'v_proj'] });
    model.dispose();
  });

  test('a method without a table, or a non-string type, gives no defaults; the returned lists are copies', () => {
    const model = decoder({ modelType: 'llama' });
    expect(defaultTargetModules(model, 'PROMPT_TUNING')).toBeUndefined();
    const first = defaultTargetModules(model, 'LORA')!;
    (first.target_modules as string[]).push('o_proj');
    expect(defaultTargetModules(model, 'LORA')).toEqual({ target_modules: ['q_proj', 'v_proj'] });
    const odd = decoder({ modelType: 7 });
    expect(knownArchitecture(odd)).toBe('llama'); // falls back to the layer names
    model.dispose();
    odd.dispose();
  });

  // peft's TRANSFORMERS_MODELS_TO_LNTUNING_TARGET_MODULES_MAPPING; it has no entry for bert, gemma2 or gemma3_text.
  test.each([
    ['gpt2', ['ln_1', 'ln_2', 'ln_f']],
    ['llama', ['input_layernorm', 'post_attention_layernorm', 'norm']],
    ['mistral', ['input_layernorm', 'post_attention_layernorm', 'norm']],
    ['gemma', ['input_layernorm', 'post_attention_layernorm', 'norm']],
    ['qwen2', ['post_attention_layernorm']],
    ['qwen3', ['post_attention_layernorm']],
    ['bert', undefined],
    ['gemma2', undefined],
  ])('LN_TUNING on %s: %j', (type, targets) => {
    const model = decoder({ modelType: type });
    expect(defaultTargetModules(model, 'LN_TUNING')).toEqual(targets === undefined ? undefined : { target_modules: targets });
    model.dispose();
  });
});
