/**
 * A soft prompt and LoRA on one model: they train together, save together
 * (one folder each, in peft's layout) and load together. The methods never
 * import each other; they meet in core's PeftModel.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { NotMergeableError, PeftModel, getPeftModel, train } from '@peftjs/core';
import type { LogitsOutput, TransformerInput } from '@peftjs/models';
import '@peftjs/lora';
import { readAdapter, withTemporaryDirectory } from '../test/files';
import { disposeAll, lmInput, logitsOf, onBackend, tinyLM, VOCAB } from '../test/helpers';
import { foldPromptEncoder } from './shared/fold';

beforeAll(() => onBackend('cpu'));

const LORA = { peft_type: 'LORA', r: 4, lora_alpha: 8, target_modules: ['c_attn'], fan_in_fan_out: true, init_lora_weights: 'gaussian' };

type Model = PeftModel<TransformerInput, LogitsOutput>;
const snapshot = (model: Model, name: string) => model.adapterState(name).map(([p, v]) => [p, Array.from(v.variable.dataSync())] as const);
const changed = (before: ReturnType<typeof snapshot>, after: ReturnType<typeof snapshot>) => after.filter(([, v], i) => v.some((x, j) => x !== before[i][1][j])).length;

test.each([
  ['PROMPT_TUNING', { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 3 }],
  ['P_TUNING (folded before saving)', { peft_type: 'P_TUNING', num_virtual_tokens: 3, encoder_hidden_size: 8 }],
])('%s and LoRA train together, save together and load together', async (_, promptConfig) => {
  const model = getPeftModel(tinyLM(), promptConfig, 'prompt');
  model.addAdapter('lora', LORA);
  model.setAdapter(['prompt', 'lora']);
  const baseBefore = model.baseModel.namedParameters().filter(([p]) => !p.includes('lora_')).map(([, v]) => Array.from(v.variable.dataSync()));
  const [promptBefore, loraBefore] = [snapshot(model, 'prompt'), snapshot(model, 'lora')];
  const trainable = model.parameters().filter((p) => p.trainable).length;
  expect(trainable).toBe(promptBefore.length + loraBefore.length);

  const batch = { ids: tf.tensor2d([[5, 6, 7, 8], [9, 10, 11, 12]], [2, 4], 'int32') };
  const loss = (m: Model, b: typeof batch) =>
    tf.tidy(() => {
      const logits = m.call({ inputIds: b.ids }).logits;
      const predicted = tf.reshape(tf.slice(logits, [0, 0, 0], [2, 3, VOCAB]), [-1, VOCAB]);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.reshape(tf.slice(b.ids, [0, 1], [2, 3]), [-1]), VOCAB), predicted) as tf.Scalar;
    });
  const history = await train(model, [batch], { loss, optimizer: 'adam', learningRate: 0.05, maxSteps: 4, progress: false });
  disposeAll(batch);
  expect(history.losses[3]).toBeLessThan(history.losses[0]);
  expect(changed(promptBefore, snapshot(model, 'prompt'))).toBe(promptBefore.length);
  expect(changed(loraBefore, snapshot(model, 'lora'))).toBeGreaterThan(0);
  expect(model.baseModel.namedParameters().filter(([p]) => !p.includes('lora_')).map(([, v]) => Array.from(v.variable.dataSync()))).toEqual(baseBefore);

  // LoRA could merge, the prompt cannot: merging both is refused and changes nothing.
  const both = logitsOf(model, lmInput);
  expect(() => model.mergeAndUnload()).toThrow(NotMergeableError);
  expect(logitsOf(model, lmInput)).toEqual(both);

  await withTemporaryDirectory(async (directory) => {
    foldPromptEncoder(model, 'prompt');
    expect(() => foldPromptEncoder(model, 'lora')).toThrow(/expected a prompt-learning adapter, found 'lora' of type LORA/);
    expect(model.activeAdapters).toEqual(['prompt', 'lora']);
    const folded = logitsOf(model, lmInput);
    expect(Math.max(...folded.map((v, i) => Math.abs(v - both[i])))).toBeLessThan(1e-5);
    await model.saveAdapter(directory);
    const [prompt, lora] = [await readAdapter(path.join(directory, 'prompt')), await readAdapter(path.join(directory, 'lora'))];
    expect(prompt.tensors).toEqual([['prompt_embeddings', [3, 16]]]);
    expect(lora.tensors.map(([name]) => name)).toContain('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight');

    const loaded = await PeftModel.fromPretrained(tinyLM(), directory, 'prompt');
    await loaded.loadAdapter(directory, 'lora');
    loaded.setAdapter(['prompt', 'lora']);
    expect(logitsOf(loaded, lmInput)).toEqual(folded);
    // Each alone differs from both together.
    loaded.setAdapter('lora');
    expect(logitsOf(loaded, lmInput)).not.toEqual(folded);
    loaded.dispose();
  });
  model.dispose();
});
