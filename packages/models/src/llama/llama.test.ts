import * as tf from '@tensorflow/tfjs-core';
import { encodeSafetensors, Generator, manualSeed } from '@peftjs/core';
import { expectClose, exactValues, onBackend, TEST_BACKENDS } from '../../test/helpers';
import { llamaLogits, type LlamaReferenceConfig, type Weights } from '../../test/reference/llama';
import { ModelConfigError } from '../errors';
import { positionsFromMask } from '../gpt2/generate';
import { loadPretrained } from '../hf/auto';
import { LlamaForCausalLM } from './causal-lm';
import { llamaConfig, llamaConfigFromHF, llamaConfigToHF, type LlamaConfig } from './config';
import { LlamaModel } from './model';
import { LlamaForSequenceClassification } from './sequence-classification';

/** Llama-like: 4 query heads over 2 key/value heads, head_dim 6 given explicitly (not 12 / 4), bias on, untied head. */
const LLAMA = llamaConfig({
  modelType: 'llama',
  vocabSize: 19,
  maxPositions: 32,
  hiddenSize: 12,
  intermediateSize: 10,
  numLayers: 2,
  numHeads: 4,
  numKeyValueHeads: 2,
  headDim: 6,
  attentionBias: true,
  ropeTheta: 500,
  bosTokenId: undefined,
  eosTokenId: undefined,
});
const GEMMA = llamaConfig({ ...LLAMA, modelType: 'gemma', variant: undefined, attentionBias: false, activation: 'gelu_pytorch_tanh', tieWordEmbeddings: true, padTokenId: undefined });
const MISTRAL = llamaConfig({ ...LLAMA, modelType: 'mistral', variant: undefined, slidingWindow: 3 });
const QWEN3 = llamaConfig({ ...LLAMA, modelType: 'qwen3', variant: undefined, attentionBias: false, numKeyValueHeads: 1 });
const QWEN2 = llamaConfig({ ...LLAMA, modelType: 'qwen2', variant: undefined });

/** Every parameter random, norms and biases included, so that each one is seen to be used. */
function randomize<M extends { namedParameters(): Array<[string, { shape: number[]; assign(t: tf.Tensor): void }]> }>(model: M, seed: number): M {
  const rng = new Generator(seed);
  for (const [path, p] of model.namedParameters()) {
    // Exact in BF16 (at most 8 significant bits): 1 + k/128 for norms, 2k/256 elsewhere.
    const values = /norm\.weight$/.test(path) ? exactValues(p.shape, rng, 1) : tf.tidy(() => tf.mul(exactValues(p.shape, rng, 0), 2));
    p.assign(values);
    values.dispose();
  }
  return model;
}

function causalLM(config: LlamaConfig, seed = 1): LlamaForCausalLM {
  manualSeed(seed);
  return randomize(new LlamaForCausalLM(config), seed).eval();
}

function weightsOf(model: { namedParameters(): Array<[string, { variable: tf.Tensor }]> }): Weights {
  return Object.fromEntries(model.namedParameters().map(([path, p]) => [path, p.variable.arraySync() as number[][]]));
}

/** The reference's view of a config: frequencies from the closed form, written here independently of rope.ts. */
function referenceOf(config: LlamaConfig, tied: boolean): LlamaReferenceConfig {
  const d = config.headDim;
  return {
    numLayers: config.numLayers,
    numHeads: config.numHeads,
    numKeyValueHeads: config.numKeyValueHeads,
    headDim: d,
    eps: config.rmsNormEps,
    inverseFrequencies: Array.from({ length: d / 2 }, (_, i) => Math.pow(config.ropeTheta, (-2 * i) / d)),
    activation: config.activation as 'silu' | 'gelu_pytorch_tanh',
    gemma: config.modelType === 'gemma',
    qkNorm: config.variant.qkNorm,
    slidingWindow: config.slidingWindow,
    headWeight: tied ? 'model.embed_tokens.weight' : 'lm_head.weight',
  };
}

const ROWS = [
  [3, 7, 1, 18, 0, 5],
  [11, 2, 9, 4, 16, 8],
];
const rowsTensor = (rows: number[][]) => tf.tensor2d(rows, undefined, 'int32');

describe.each(TEST_BACKENDS)('Llama family on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test.each([
    ['llama (GQA 4/2, head_dim 6, q/k/v/o bias, untied)', LLAMA],
    ['gemma ((1 + w) norms, sqrt(hidden) embedding scale, gelu_pytorch_tanh, tied)', GEMMA],
    ['mistral (sliding window 3)', MISTRAL],
    ['qwen3 (q_norm/k_norm per head, one kv head)', QWEN3],
    ['qwen2 (q/k/v bias without o bias)', QWEN2],
  ])('%s: logits equal a plain-JS float64 reference within 1e-4', (_, config) => {
    const model = causalLM(config);
    const reference = referenceOf(config, config.tieWordEmbeddings);
    const weights = weightsOf(model);
    const ids = rowsTensor(ROWS);
    const before = tf.memory().numTensors;
    const logits = tf.tidy(() => model.call({ inputIds: ids }).logits);
    expect(logits.shape).toEqual([2, 6, 19]);
    const got = logits.arraySync() as number[][][];
    ROWS.forEach((row, r) => {
      const expected = llamaLogits(weights, reference, row, row.map((_, i) => i), row.map(() => true));
      expectClose(got[r].flat(), expected.flat(), 1e-4);
    });
    logits.dispose();
    expect(tf.memory().numTensors).toBe(before);
    ids.dispose();
    model.dispose();
  });

  test('parameter paths are the Hugging Face state-dict keys, in order', () => {
    const model = new LlamaForCausalLM(llamaConfig({ ...QWEN3, numLayers: 1, attentionBias: true, variant: undefined }));
    const layer = (name: string) => `model.layers.0.${name}`;
    expect(model.namedParameters().map(([path]) => path)).toEqual([
      'model.embed_tokens.weight',
      ...['q', 'k', 'v', 'o'].flatMap((p) => [layer(`self_attn.${p}_proj.weight`), layer(`self_attn.${p}_proj.bias`)]),
      layer('self_attn.q_norm.weight'),
      layer('self_attn.k_norm.weight'),
      layer('mlp.gate_proj.weight'),
      layer('mlp.up_proj.weight'),
      layer('mlp.down_proj.weight'),
      layer('input_layernorm.weight'),
      layer('post_attention_layernorm.weight'),
      'model.norm.weight',
      'lm_head.weight',
    ]);
    model.dispose();
  });

  test('grouped-query attention equals multi-head attention with each key/value head repeated for its group', () => {
    const grouped = causalLM(LLAMA, 3);
    const full = new LlamaForCausalLM(llamaConfig({ ...LLAMA, numKeyValueHeads: 4, variant: undefined, attentionBias: true }));
    const source = new Map(grouped.namedParameters().map(([path, p]) => [path, p.variable]));
    for (const [path, p] of full.namedParameters()) {
      const from = source.get(path)!;
      if (/self_attn\.[kv]_proj/.test(path)) {
        // kv head h serves query heads 2h and 2h + 1: its rows appear twice, in place.
        const rows = from.shape[0] / LLAMA.headDim;
        const order = Array.from({ length: rows }, (_, h) => [h, h]).flat().flatMap((h) => Array.from({ length: LLAMA.headDim }, (_, d) => h * LLAMA.headDim + d));
        p.assign(tf.tidy(() => tf.gather(from, order)));
      } else p.assign(from);
    }
    full.eval();
    const ids = rowsTensor(ROWS);
    const a = tf.tidy(() => grouped.call({ inputIds: ids }).logits);
    const b = tf.tidy(() => full.call({ inputIds: ids }).logits);
    expectClose(Array.from(a.dataSync()), Array.from(b.dataSync()), 1e-5);
    tf.dispose([a, b, ids]);
    grouped.dispose();
    full.dispose();
  });

  test('a left-padded row equals the same row unpadded, with positions from the mask', () => {
    const model = causalLM(LLAMA, 4);
    const padded = [[0, 0, 3, 7, 1], [11, 2, 9, 4, 16]];
    const mask = [[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]];
    const out = tf.tidy(() => model.call({ inputIds: rowsTensor(padded), attentionMask: rowsTensor(mask), positionIds: rowsTensor(positionsFromMask(mask)) }).logits);
    const alone = tf.tidy(() => model.call({ inputIds: rowsTensor([[3, 7, 1]]) }).logits);
    const got = out.arraySync() as number[][][];
    expectClose(got[0].slice(2).flat(), (alone.arraySync() as number[][][])[0].flat(), 1e-5);
    tf.dispose([out, alone]);
    model.dispose();
  });

  test('decoding with the key/value cache equals the full forward; generate gives the same tokens with and without it', () => {
    const model = causalLM(MISTRAL, 5);
    const full = tf.tidy(() => model.call({ inputIds: rowsTensor(ROWS) }).logits);
    const first = model.call({ inputIds: rowsTensor(ROWS.map((r) => r.slice(0, 4))), useCache: true });
    const next = tf.tidy(() => model.call({ inputIds: rowsTensor(ROWS.map((r) => r.slice(4))), pastKeyValues: first.pastKeyValues, useCache: true }).logits);
    // The cache holds the key/value heads only.
    expect(first.pastKeyValues![0].key.shape).toEqual([2, 2, 4, 6]);
    expectClose(Array.from(next.dataSync()), Array.from(tf.tidy(() => tf.slice(full, [0, 4, 0], [2, 2, 19])).dataSync()), 1e-4);
    tf.dispose([full, next, first as never]);
    const prompt = [[3, 7, 1], [11, 2, 9]];
    const before = tf.memory().numTensors;
    expect(model.generate(prompt, { maxNewTokens: 6, eosTokenId: null })).toEqual(model.generate(prompt, { maxNewTokens: 6, eosTokenId: null, useCache: false }));
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  test('sequence classification pools the last non-pad token through `score`', () => {
    const config = llamaConfig({ ...LLAMA, padTokenId: 0, numLabels: 3, attentionBias: true, variant: undefined });
    manualSeed(6);
    const classifier = randomize(new LlamaForSequenceClassification(config), 6).eval();
    const base = new LlamaModel(config);
    for (const [path, p] of base.namedParameters()) p.assign(classifier.getParameter(`model.${path}`).variable);
    const rows = [[5, 6, 7, 0, 0], [1, 2, 3, 4, 8]];
    const logits = tf.tidy(() => classifier.call({ inputIds: rowsTensor(rows), attentionMask: rowsTensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]) }).logits);
    const hidden = tf.tidy(() => base.call({ inputIds: rowsTensor(rows), attentionMask: rowsTensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]) }).lastHiddenState);
    const score = classifier.getParameter('score.weight').variable;
    const expected = tf.tidy(() => tf.matMul(tf.concat([tf.reshape(tf.slice(hidden, [0, 2, 0], [1, 1, 12]), [1, 12]), tf.reshape(tf.slice(hidden, [1, 4, 0], [1, 1, 12]), [1, 12])]), score, false, true));
    expect(logits.shape).toEqual([2, 3]);
    expectClose(Array.from(logits.dataSync()), Array.from(expected.dataSync()), 1e-5);
    tf.dispose([logits, hidden, expected]);
    classifier.dispose();
    base.dispose();
  });
});

describe('Llama checkpoints and configs', () => {
  beforeAll(() => onBackend('cpu'));

  test.each(['F32', 'BF16'] as const)('a checkpoint with Hugging Face names (%s) loads through loadPretrained and reproduces the logits', (dtype) => {
    const model = causalLM(LLAMA, 7);
    const named = Object.fromEntries(model.namedParameters().map(([path, p]) => [path, p.variable]));
    // exactValues are exact in BF16, so both files must give the same model bit for bit.
    const weights = encodeSafetensors(named, { dtypes: Object.fromEntries(Object.keys(named).map((k) => [k, dtype])) });
    const config = { ...llamaConfigToHF(LLAMA), architectures: ['LlamaForCausalLM'] };
    const { model: loaded, report } = loadPretrained({ config, weights });
    expect(loaded).toBeInstanceOf(LlamaForCausalLM);
    expect(report.loaded).toHaveLength(Object.keys(named).length);
    const ids = rowsTensor(ROWS);
    const a = tf.tidy(() => model.call({ inputIds: ids }).logits);
    const b = tf.tidy(() => (loaded as LlamaForCausalLM).call({ inputIds: ids }).logits);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b, ids]);
    model.dispose();
    loaded.dispose();
  });

  test('tied checkpoints load without lm_head; an untied one without it is refused', () => {
    const tied = causalLM(GEMMA, 8);
    const named = Object.fromEntries(tied.namedParameters().map(([path, p]) => [path, p.variable]));
    expect(Object.keys(named)).not.toContain('lm_head.weight');
    const { model } = loadPretrained({ config: { ...llamaConfigToHF(GEMMA), architectures: ['GemmaForCausalLM'] }, weights: encodeSafetensors(named) });
    expect((model as LlamaForCausalLM).config.modelType).toBe('gemma');
    model.dispose();
    const untied = causalLM(LLAMA, 8);
    const withoutHead = Object.fromEntries(untied.namedParameters().filter(([path]) => path !== 'lm_head.weight').map(([path, p]) => [path, p.variable]));
    expect(() => loadPretrained({ config: { ...llamaConfigToHF(LLAMA), architectures: ['LlamaForCausalLM'] }, weights: encodeSafetensors(withoutHead) })).toThrow(/missing tensors for \[lm_head\.weight\]/);
    tied.dispose();
    untied.dispose();
  });

  test('config.json round trips, with transformers defaults per model type', () => {
    for (const config of [LLAMA, GEMMA, MISTRAL, QWEN3, QWEN2]) {
      const back = llamaConfigFromHF(llamaConfigToHF(config));
      expect(back).toEqual(config);
    }
    const smol = llamaConfigFromHF({
      model_type: 'llama',
      hidden_size: 576,
      intermediate_size: 1536,
      num_hidden_layers: 30,
      num_attention_heads: 9,
      num_key_value_heads: 3,
      max_position_embeddings: 8192,
      rope_theta: 100000,
      rms_norm_eps: 1e-5,
      tie_word_embeddings: true,
      vocab_size: 49152,
      eos_token_id: [0, 2],
      bos_token_id: 1,
    });
    expect(smol).toMatchObject({ headDim: 64, numKeyValueHeads: 3, tieWordEmbeddings: true, eosTokenId: [0, 2], activation: 'silu', ropeScaling: { kind: 'default' } });
  });

  test('config fields peftjs does not implement are ModelConfigErrors naming them', () => {
    const base = llamaConfigToHF(LLAMA);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ model_type: 'phi3' }, /config 'model_type': expected one of llama, mistral, qwen2, qwen3, gemma/],
      [{ rope_scaling: { rope_type: 'longrope', long_factor: [1] } }, /config 'rope_scaling.rope_type'.*found "longrope"/],
      [{ rope_scaling: { rope_type: 'linear', factor: 2, surprise: 1 } }, /config 'rope_scaling.surprise'/],
      [{ quantization_config: { quant_method: 'bitsandbytes' } }, /config 'quantization_config'/],
      [{ use_sliding_window: true }, /config 'use_sliding_window'/],
      [{ partial_rotary_factor: 0.5 }, /config 'partial_rotary_factor'/],
      [{ num_key_value_heads: 3 }, /config 'numKeyValueHeads': expected a divisor of numHeads 4/],
      [{ head_dim: 5 }, /config 'headDim': expected an even number/],
      [{ eos_token_id: [1, -2] }, /config 'eos_token_id\[1\]'/],
    ];
    for (const [change, message] of cases) {
      expect(() => llamaConfigFromHF({ ...base, ...change })).toThrow(ModelConfigError);
      expect(() => llamaConfigFromHF({ ...base, ...change })).toThrow(message);
    }
  });
});
