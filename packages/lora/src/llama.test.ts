/**
 * LoRA on the Llama family as peft does it: peft's default targets (q_proj,
 * v_proj), peft's file names, and a peft-written file loading tensor for tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import { decodeAdapterBytes, encodeSafetensors, getPeftModel, manualSeed, PeftModel } from '@peftjs/core';
import { LlamaForCausalLM, llamaConfig } from '@peftjs/models';
import { expectClose, onBackend } from '../test/helpers';
import './index';

beforeAll(() => onBackend('cpu'));

const CONFIG = llamaConfig({
  modelType: 'qwen2',
  vocabSize: 17,
  maxPositions: 16,
  hiddenSize: 8,
  intermediateSize: 12,
  numLayers: 2,
  numHeads: 4,
  numKeyValueHeads: 2,
  bosTokenId: undefined,
  eosTokenId: undefined,
});

function base(seed = 3): LlamaForCausalLM {
  manualSeed(seed);
  return new LlamaForCausalLM(CONFIG).eval();
}

const input = () => ({ inputIds: tf.tensor2d([[1, 5, 9, 2], [7, 3, 3, 16]], undefined, 'int32') });
const logitsOf = (model: { call(x: ReturnType<typeof input>): { logits: tf.Tensor } }) =>
  tf.tidy(() => Array.from(model.call(input()).logits.dataSync()));

describe('LoRA on a Llama-family decoder', () => {
  test("peft's default targets (q_proj, v_proj); training changes only the factors; files use peft's names; reload and merge agree", async () => {
    const model = getPeftModel(base(), { peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 2, lora_alpha: 4 });
    const adapterPaths = model.adapterState('default').map(([path]) => path);
    expect(adapterPaths).toEqual(
      [0, 1].flatMap((layer) => ['q_proj', 'v_proj'].flatMap((m) => ['A', 'B'].map((f) => `base_model.model.model.layers.${layer}.self_attn.${m}.lora_${f}.default.weight`))),
    );
    expect(model.peftConfig.default.target_modules).toEqual(['q_proj', 'v_proj']);
    // kv projections are narrower under GQA: v_proj's B is [kvHeads * headDim, r].
    expect(model.getParameter('base_model.model.model.layers.0.self_attn.v_proj.lora_B.default.weight').shape).toEqual([4, 2]);

    const baseBefore = model.baseModel.namedParameters().filter(([path]) => !path.includes('lora_')).map(([path, p]) => [path, Array.from(p.variable.dataSync())]);
    const variables = model.parameters().filter((p) => p.trainable).map((p) => p.variable);
    const memory = tf.memory().numTensors;
    for (let step = 0; step < 3; step++) {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.mean(tf.square(model.call(input()).logits)) as tf.Scalar, variables);
        for (const v of variables) v.assign(tf.sub(v, tf.mul(0.5, grads[v.name])));
      });
    }
    expect(tf.memory().numTensors).toBe(memory);
    expect(model.baseModel.namedParameters().filter(([path]) => !path.includes('lora_')).map(([path, p]) => [path, Array.from(p.variable.dataSync())])).toEqual(baseBefore);
    const trained = logitsOf(model);
    expect(trained).not.toEqual(logitsOf(base()));

    const bytes = await model.toAdapterBytes();
    const decoded = decodeAdapterBytes(bytes);
    expect(Object.keys(decoded.tensors).sort()).toEqual(
      [0, 1].flatMap((layer) => ['q_proj', 'v_proj'].flatMap((m) => ['A', 'B'].map((f) => `base_model.model.model.layers.${layer}.self_attn.${m}.lora_${f}.weight`))).sort(),
    );
    tf.dispose(Object.values(decoded.tensors));
    const reloaded = await PeftModel.fromAdapterBytes(base(), bytes);
    expect(logitsOf(reloaded)).toEqual(trained);
    reloaded.mergeAdapter();
    expectClose(logitsOf(reloaded), trained, 1e-5);
    reloaded.dispose();
    model.dispose();
  });

  test('a file as peft writes it for a Qwen2 model (q/k/v/o targets, rank_pattern) loads tensor for tensor: logits equal W + (alpha/r) B A', async () => {
    const reference = base(9);
    const rng = (seed: number, shape: number[]) => tf.randomUniform(shape, -0.5, 0.5, 'float32', seed);
    const tensors: Record<string, tf.Tensor> = {};
    const ranks: Record<string, number> = { q_proj: 2, k_proj: 2, v_proj: 2, o_proj: 4 };
    for (const layer of [0, 1]) {
      for (const module of Object.keys(ranks)) {
        const linear = reference.getSubmodule(`model.layers.${layer}.self_attn.${module}`) as unknown as { inFeatures: number; outFeatures: number };
        const name = `base_model.model.model.layers.${layer}.self_attn.${module}`;
        tensors[`${name}.lora_A.weight`] = rng(layer * 10 + module.length, [ranks[module], linear.inFeatures]);
        tensors[`${name}.lora_B.weight`] = rng(layer * 10 + module.length + 100, [linear.outFeatures, ranks[module]]);
      }
    }
    const config = {
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      base_model_name_or_path: 'Qwen/Qwen2.5-0.5B',
      r: 2,
      lora_alpha: 8,
      lora_dropout: 0.05,
      target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'],
      rank_pattern: { o_proj: 4 },
      alpha_pattern: {},
      bias: 'none',
      fan_in_fan_out: false,
      use_rslora: false,
      use_dora: false,
      init_lora_weights: true,
      modules_to_save: null,
      inference_mode: true,
      peft_version: '0.17.1',
    };
    const bytes = { config: new TextEncoder().encode(JSON.stringify(config)), weights: encodeSafetensors(tensors) };
    const loaded = await PeftModel.fromAdapterBytes(base(9), bytes);
    // By hand: every targeted weight W + (alpha / r) B A, with r from rank_pattern for o_proj.
    for (const layer of [0, 1]) {
      for (const module of Object.keys(ranks)) {
        const name = `base_model.model.model.layers.${layer}.self_attn.${module}`;
        const weight = reference.getParameter(`model.layers.${layer}.self_attn.${module}.weight`);
        weight.assign(tf.tidy(() => tf.add(weight.variable, tf.mul(8 / ranks[module], tf.matMul(tensors[`${name}.lora_B.weight`], tensors[`${name}.lora_A.weight`])))));
      }
    }
    expectClose(logitsOf(loaded), logitsOf(reference), 1e-5);
    tf.dispose(Object.values(tensors));
    loaded.dispose();
    reference.dispose();
  });
});
