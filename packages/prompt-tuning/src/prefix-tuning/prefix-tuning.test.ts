import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { AdapterStateError, InvalidArgumentError, PeftModel, getPeftModel } from '@peftjs/core';
import { listFiles, readAdapter, readSavedTensor, withTemporaryDirectory } from '../../test/files';
import { adapterSnapshot, disposeAll, expectClose, HEADS, HIDDEN, LAYERS, lmInput, logitsOf, maxAbsDifference, onBackend, perturb, tinyLM } from '../../test/helpers';
import { foldPromptEncoder } from '../shared/fold';
import { prefixKeyValues } from '../shared/key-value-prefix';

beforeAll(() => onBackend('cpu'));

const DIMS = { numLayers: LAYERS, numHeads: HEADS, hiddenSize: HIDDEN, vocabSize: 23, maxPositions: 32 };
const projected = { peft_type: 'PREFIX_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: 3, prefix_projection: true, encoder_hidden_size: 8 };

describe('PREFIX_TUNING', () => {
  test("lays the flat prefix out as peft's get_prompt does: layer i takes slices 2i (key) and 2i + 1 (value)", () => {
    const n = 3;
    const headDim = HIDDEN / HEADS;
    const flat = tf.reshape(tf.range(0, n * LAYERS * 2 * HIDDEN), [n, LAYERS * 2 * HIDDEN]);
    const values = flat.arraySync() as number[][];
    const past = prefixKeyValues(flat, DIMS, 2);
    for (let layer = 0; layer < LAYERS; layer++) {
      for (const [which, slot] of [['key', 2 * layer], ['value', 2 * layer + 1]] as const) {
        const tensor = past[layer][which];
        expect(tensor.shape).toEqual([2, HEADS, n, headDim]);
        const got = tensor.arraySync() as number[][][][];
        for (let h = 0; h < HEADS; h++) for (let t = 0; t < n; t++) for (let d = 0; d < headDim; d++) {
          expect(got[1][h][t][d]).toBe(values[t][(slot * HEADS + h) * headDim + d]);
        }
      }
    }
    tf.dispose([flat, past as never]);
  });

  test('equals the base given the prefix as past keys and values, with the mask extended', () => {
    const base = tinyLM();
    const model = getPeftModel(base, { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 3 });
    expect(model.adapterState('default').map(([path, p]) => [path, p.shape])).toEqual([['prompt_encoder.default.embedding.weight', [3, LAYERS * 2 * HIDDEN]]]);
    const input = lmInput();
    const output = model.call(input);
    const byHand = tf.tidy(() => {
      const past = prefixKeyValues(model.getParameter('prompt_encoder.default.embedding.weight').variable, DIMS, 2);
      return base.call({ ...input, pastKeyValues: past, attentionMask: tf.concat([tf.ones([2, 3], 'int32'), input.attentionMask!], 1) }).logits;
    });
    expect(output.logits.shape).toEqual([2, 5, 23]);
    expect(Array.from(output.logits.dataSync())).toEqual(Array.from(byHand.dataSync()));
    tf.dispose([output as never, byHand]);
    disposeAll(input);
    model.dispose();
  });

  test('prefix_projection trains an MLP over a [n, token_dim] table (peft names), changing only adapter parameters', () => {
    const model = getPeftModel(tinyLM(), projected);
    expect(model.adapterState('default').map(([path, p]) => [path.replace('prompt_encoder.default.', ''), p.shape])).toEqual([
      ['embedding.weight', [3, HIDDEN]],
      ['transform.0.weight', [8, HIDDEN]],
      ['transform.0.bias', [8]],
      ['transform.2.weight', [LAYERS * 2 * HIDDEN, 8]],
      ['transform.2.bias', [LAYERS * 2 * HIDDEN]],
    ]);
    const base = new Map(model.baseModel.namedParameters().map(([path, p]) => [path, Array.from(p.variable.dataSync())]));
    const variables = model.parameters().filter((p) => p.trainable).map((p) => p.variable);
    expect(variables).toHaveLength(5);
    const input = lmInput();
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.mean(tf.square(model.call(input).logits)) as tf.Scalar, variables);
      for (const v of variables) v.assign(tf.sub(v, tf.mul(0.1, grads[v.name])));
    });
    expect(tf.memory().numTensors).toBe(before);
    for (const [path, p] of model.baseModel.namedParameters()) expect([path, Array.from(p.variable.dataSync())]).toEqual([path, base.get(path)]);
    disposeAll(input);
    model.dispose();
  });

  test('with prefix_projection the training form saves the projected prefix [n, num_layers * 2 * token_dim] as peft, unchanged, and it loads for inference', async () => {
    const model = getPeftModel(tinyLM(), projected);
    perturb(model);
    const trained = logitsOf(model, lmInput);
    await withTemporaryDirectory(async (directory) => {
      const before = adapterSnapshot(model);
      await model.saveAdapter(directory);
      // The model keeps its projection (trainable) and its config; the file holds the projection's output.
      expect(adapterSnapshot(model)).toEqual(before);
      expect(before.map(([path, , trainable]) => [path.replace('prompt_encoder.default.', ''), trainable])).toContainEqual(['transform.2.weight', true]);
      expect(model.peftConfig.default.inference_mode).toBe(false);
      expect(logitsOf(model, lmInput)).toEqual(trained);
      const saved = await readAdapter(directory);
      expect(saved.tensors).toEqual([['prompt_embeddings', [3, LAYERS * 2 * HIDDEN]]]);
      expect(saved.config).toMatchObject({
        peft_type: 'PREFIX_TUNING',
        num_virtual_tokens: 3,
        token_dim: HIDDEN,
        num_layers: LAYERS,
        num_attention_heads: HEADS,
        num_transformer_submodules: 1,
        prefix_projection: true,
        encoder_hidden_size: 8,
        inference_mode: true,
      });
      const loaded = await PeftModel.fromPretrained(tinyLM(), directory);
      expect(loaded.adapterState('default').map(([path, p]) => [path, p.shape, p.trainable])).toEqual([
        ['prompt_encoder.default.embedding.weight', [3, LAYERS * 2 * HIDDEN], false],
      ]);
      expect(logitsOf(loaded, lmInput)).toEqual(trained);
      loaded.dispose();
      // Loading it for training would need the projection, which the file does not hold.
      await expect(PeftModel.fromPretrained(tinyLM(), directory, 'default', { isTrainable: true })).rejects.toThrow(AdapterStateError);
      await expect(PeftModel.fromPretrained(tinyLM(), directory, 'default', { isTrainable: true })).rejects.toThrow(/Load it for inference instead/);
    });
    model.dispose();
  });

  test('folding the projection keeps the outputs, leaves one [n, num_layers * 2 * token_dim] table in inference mode, and saves the same file', async () => {
    const model = getPeftModel(tinyLM(), projected);
    perturb(model);
    const trained = logitsOf(model, lmInput);
    await withTemporaryDirectory(async (directory) => {
      const training = path.join(directory, 'training');
      const folded = path.join(directory, 'folded');
      await model.saveAdapter(training);

      expect(foldPromptEncoder(model)).toBe(true);
      expect(foldPromptEncoder(model)).toBe(false);
      expect(model.adapterState('default').map(([name, p]) => [name, p.shape, p.trainable])).toEqual([
        ['prompt_encoder.default.embedding.weight', [3, LAYERS * 2 * HIDDEN], false],
      ]);
      expect(model.peftConfig.default.inference_mode).toBe(true);
      expect(model.activeAdapters).toEqual(['default']);
      expect(maxAbsDifference(logitsOf(model, lmInput), trained)).toBeLessThan(1e-5);

      await model.saveAdapter(folded);
      expect(await listFiles(folded)).toEqual(await listFiles(training));
      expect(await readSavedTensor(folded, 'prompt_embeddings')).toEqual(await readSavedTensor(training, 'prompt_embeddings'));
    });
    model.dispose();
  });

  test('the layout must match the model: num_layers and num_attention_heads are checked', () => {
    const base = tinyLM();
    expect(() => getPeftModel(base, { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 2, num_layers: 12 })).toThrow(/'num_layers': expected the model's numLayers 2, found 12/);
    expect(() => getPeftModel(base, { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 2, num_attention_heads: 2 })).toThrow(InvalidArgumentError);
    const ok = getPeftModel(base, { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 2, num_layers: LAYERS, num_attention_heads: HEADS, token_dim: HIDDEN });
    expectClose([ok.peftConfig.default.encoder_hidden_size as number], [HIDDEN]);
    ok.dispose();
  });
});
