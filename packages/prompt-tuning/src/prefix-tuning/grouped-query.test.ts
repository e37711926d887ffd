/**
 * Prefix tuning on a grouped-query-attention model (Llama family): the prefix
 * holds keys and values for the key/value heads only, as peft builds it
 * (token_dim = hidden / heads * kv_heads, num_attention_heads = kv_heads).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Embedding, InvalidArgumentError, Module, getPeftModel, manualSeed } from '@peftjs/core';
import { LlamaForCausalLM, llamaConfig } from '@peftjs/models';
import { onBackend } from '../../test/helpers';
import { UnsupportedModelError } from '../errors';
import { prefixKeyValues } from '../shared/key-value-prefix';

beforeAll(() => onBackend('cpu'));

interface ProbeInput {
  readonly inputIds: tf.Tensor;
  readonly attentionMask?: tf.Tensor;
  readonly pastKeyValues?: ReadonlyArray<{ key: tf.Tensor; value: tf.Tensor }>;
}

/** A decoder-shaped model that returns, as logits, the sum of the past keys each layer got; it records their shapes. */
class GroupedQueryProbe extends Module<ProbeInput, { logits: tf.Tensor }> {
  readonly seenShapes: number[][] = [];
  constructor(readonly config: Record<string, number>) {
    super();
    this.addModule('embed_tokens', new Embedding(config.vocabSize, config.hiddenSize));
  }
  getInputEmbeddings(): Module<tf.Tensor, tf.Tensor> {
    return this.getSubmodule('embed_tokens') as Module<tf.Tensor, tf.Tensor>;
  }
  forward(input: ProbeInput): { logits: tf.Tensor } {
    const past = input.pastKeyValues ?? [];
    for (const { key, value } of past) this.seenShapes.push(key.shape, value.shape);
    const embedded = this.getInputEmbeddings().call(input.inputIds);
    const pastSum = past.reduce((sum, { key, value }) => tf.add(sum, tf.add(tf.sum(key), tf.sum(value))), tf.scalar(0));
    return { logits: tf.add(embedded, pastSum) };
  }
}

// Llama-like: 4 query heads share 2 key/value heads; head_dim given explicitly (6, not 16 / 4), as Gemma and Qwen3 do.
const GROUPED = { numLayers: 3, numHeads: 4, numKeyValueHeads: 2, headDim: 6, hiddenSize: 16, vocabSize: 11, maxPositions: 32 };
const input = () => ({ inputIds: tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32') });

describe('PREFIX_TUNING with grouped-query attention', () => {
  test('the prefix holds numKeyValueHeads x headDim per layer, and every layer gets [batch, kvHeads, n, headDim]', () => {
    const base = new GroupedQueryProbe(GROUPED);
    const model = getPeftModel(base, { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 5 });
    const tokenDim = GROUPED.numKeyValueHeads * GROUPED.headDim;
    expect(model.peftConfig.default).toMatchObject({ token_dim: tokenDim, num_attention_heads: 2, num_layers: 3 });
    expect(model.adapterState('default').map(([, p]) => p.shape)).toEqual([[5, 3 * 2 * tokenDim]]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = input();
      model.call(x);
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(base.seenShapes).toEqual(new Array(6).fill([2, 2, 5, 6]));
    model.dispose();
  });

  test('layer i takes slices 2i and 2i + 1 of [n, 2L, kvHeads, headDim], as peft views it', () => {
    const n = 2;
    const { numLayers: layers, numKeyValueHeads: heads, headDim } = GROUPED;
    const width = layers * 2 * heads * headDim;
    const flat = tf.reshape(tf.range(0, n * width), [n, width]);
    const values = flat.arraySync() as number[][];
    const past = prefixKeyValues(flat, GROUPED, 1);
    for (let layer = 0; layer < layers; layer++) {
      for (const [which, slot] of [['key', 2 * layer], ['value', 2 * layer + 1]] as const) {
        const got = past[layer][which].arraySync() as number[][][][];
        for (let h = 0; h < heads; h++) for (let t = 0; t < n; t++) for (let d = 0; d < headDim; d++) {
          expect(got[0][h][t][d]).toBe(values[t][(slot * heads + h) * headDim + d]);
        }
      }
    }
    tf.dispose([flat, past as never]);
  });

  test("with headDim = hiddenSize / numHeads the config equals peft's: token_dim = hidden / heads * kv_heads", () => {
    const model = getPeftModel(new GroupedQueryProbe({ ...GROUPED, headDim: 4 }), { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 2, prefix_projection: true });
    expect(model.peftConfig.default).toMatchObject({ token_dim: (16 / 4) * 2, num_attention_heads: 2, encoder_hidden_size: 8 });
    expect(model.adapterState('default').map(([path, p]) => [path.replace('prompt_encoder.default.', ''), p.shape])).toEqual([
      ['embedding.weight', [2, 8]],
      ['transform.0.weight', [8, 8]],
      ['transform.0.bias', [8]],
      ['transform.2.weight', [3 * 2 * 8, 8]],
      ['transform.2.bias', [3 * 2 * 8]],
    ]);
    model.dispose();
  });

  test('a file made for the query heads (token_dim = hidden) is refused, naming the key/value width', () => {
    const base = new GroupedQueryProbe(GROUPED);
    expect(() => getPeftModel(base, { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 2, token_dim: 16 })).toThrow(InvalidArgumentError);
    expect(() => getPeftModel(base, { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 2, token_dim: 16 })).toThrow(
      /'token_dim': expected the model's key\/value width \(numKeyValueHeads x headDim\) 12, found 16/,
    );
    expect(() => getPeftModel(base, { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 2, num_attention_heads: 4 })).toThrow(
      /'num_attention_heads': expected the model's numKeyValueHeads 2, found 4/,
    );
    // Prompt tuning prepends embeddings, so its token_dim stays the hidden size.
    const prompted = getPeftModel(base, { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 2 });
    expect(prompted.peftConfig.default).toMatchObject({ token_dim: 16, num_attention_heads: 4 });
    prompted.dispose();
  });

  test('numHeads not divisible by numKeyValueHeads, or a non-integer headDim, is an UnsupportedModelError', () => {
    for (const [bad, message] of [
      [{ numKeyValueHeads: 3 }, /expected numHeads divisible by numKeyValueHeads \(grouped-query attention\), found 4 and 3/],
      [{ headDim: 2.5 }, /expected config.headDim to be absent or a positive integer, found 2.5/],
    ] as const) {
      const base = new GroupedQueryProbe({ ...GROUPED, ...bad });
      expect(() => getPeftModel(base, { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 2 })).toThrow(UnsupportedModelError);
      expect(() => getPeftModel(base, { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 2 })).toThrow(message);
      base.dispose();
    }
  });

  test("on a real Llama decoder (GQA, explicit head_dim) the prefix is what attention reads: equal to the base given it as past keys and values", () => {
    manualSeed(4);
    const base = new LlamaForCausalLM(
      llamaConfig({ vocabSize: 13, maxPositions: 16, hiddenSize: 8, intermediateSize: 8, numLayers: 2, numHeads: 4, numKeyValueHeads: 2, headDim: 6, bosTokenId: undefined, eosTokenId: undefined }),
    ).eval();
    const model = getPeftModel(base, { peft_type: 'PREFIX_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: 3 });
    expect(model.peftConfig.default).toMatchObject({ token_dim: 12, num_attention_heads: 2 });
    const table = model.getParameter('prompt_encoder.default.embedding.weight');
    table.assign(tf.tidy(() => tf.randomUniform(table.shape, -1, 1, 'float32', 8)));
    const ids = tf.tensor2d([[1, 4, 9], [3, 3, 12]], [2, 3], 'int32');
    const output = model.call({ inputIds: ids });
    const byHand = tf.tidy(() =>
      base.call({ inputIds: ids, pastKeyValues: prefixKeyValues(table.variable, base.config, 2), attentionMask: tf.ones([2, 6], 'int32'), positionIds: tf.tensor2d([[3, 4, 5]], [1, 3], 'int32') }).logits,
    );
    expect(Array.from(output.logits.dataSync())).toEqual(Array.from(byHand.dataSync()));
    tf.dispose([output as never, byHand, ids]);
    model.dispose();
  });
});
