/**
 * Hugging Face peft's adapter files for prompt learning: the config keys peft
 * writes, one `prompt_embeddings` tensor in peft's shapes (a training-form
 * encoder's output, as get_prompt_embedding_to_save), modules_to_save
 * under `base_model.` (prompt learning has no tuner wrapper), and a folder as
 * Python peft writes it loads.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { AdapterStateError, PeftModel, encodeSafetensors, getPeftModel } from '@peftjs/core';
import { readAdapter, withTemporaryDirectory } from '../test/files';
import { adapterSnapshot, bertInput, disposeAll, HEADS, HIDDEN, LAYERS, lmInput, logitsOf, onBackend, perturb, tinyBert, tinyLM } from '../test/helpers';
import { promptTuningConfig } from './prompt-tuning/config';

beforeAll(() => onBackend('cpu'));

const PROMPT_LEARNING_KEYS = ['num_virtual_tokens', 'token_dim', 'num_transformer_submodules', 'num_attention_heads', 'num_layers'];
const COMMON_KEYS = ['peft_type', 'task_type', 'base_model_name_or_path', 'revision', 'inference_mode', 'auto_mapping'];

test.each([
  [
    'PROMPT_TUNING',
    promptTuningConfig(
      { task_type: 'CAUSAL_LM', num_virtual_tokens: 4, prompt_tuning_init: 'TEXT', prompt_tuning_init_text: 'ab', tokenizer_name_or_path: 'letters' },
      { tokenizer: (text) => [...text].map((c) => c.charCodeAt(0) - 96) },
    ),
    ['prompt_tuning_init', 'prompt_tuning_init_text', 'tokenizer_name_or_path', 'tokenizer_kwargs'],
    [4, HIDDEN],
  ],
  ['PREFIX_TUNING', { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 2 }, ['encoder_hidden_size', 'prefix_projection'], [2, LAYERS * 2 * HIDDEN]],
  [
    'P_TUNING',
    { peft_type: 'P_TUNING', num_virtual_tokens: 3, inference_mode: true },
    ['encoder_reparameterization_type', 'encoder_hidden_size', 'encoder_num_layers', 'encoder_dropout'],
    [3, HIDDEN],
  ],
] as const)('%s writes peft keys and one prompt_embeddings tensor', async (type, config, methodKeys, shape) => {
  const model = getPeftModel(tinyLM(), config);
  await withTemporaryDirectory(async (directory) => {
    await model.saveAdapter(directory);
    const saved = await readAdapter(directory);
    expect(Object.keys(saved.config).sort()).toEqual([...COMMON_KEYS, ...PROMPT_LEARNING_KEYS, ...methodKeys].sort());
    expect(saved.config).toMatchObject({ peft_type: type, token_dim: HIDDEN, num_layers: LAYERS, num_attention_heads: HEADS, num_transformer_submodules: 1 });
    expect(saved.tensors).toEqual([['prompt_embeddings', shape]]);
  });
  model.dispose();
});

test.each([
  ['P_TUNING with an MLP', { peft_type: 'P_TUNING', num_virtual_tokens: 3, encoder_hidden_size: 8 }, [3, HIDDEN]],
  [
    'P_TUNING with an LSTM (dropout on)',
    { peft_type: 'P_TUNING', num_virtual_tokens: 3, encoder_hidden_size: 8, encoder_reparameterization_type: 'LSTM', encoder_num_layers: 2, encoder_dropout: 0.5 },
    [3, HIDDEN],
  ],
  ['PREFIX_TUNING with prefix_projection', { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 2, prefix_projection: true, encoder_hidden_size: 8 }, [2, LAYERS * 2 * HIDDEN]],
] as const)('%s, in training form, saves its encoder output as prompt_embeddings without changing the model, and loads for inference', async (_, config, shape) => {
  const model = getPeftModel(tinyLM(), { task_type: 'CAUSAL_LM', ...config });
  perturb(model);
  // The file holds the eval-mode output (peft saves no dropout): compare in eval mode, but save in training mode.
  model.eval();
  const expected = logitsOf(model, lmInput);
  model.train();
  const before = adapterSnapshot(model);
  expect(before.length).toBeGreaterThan(1);
  expect(before.every(([, , trainable]) => trainable)).toBe(true);
  await withTemporaryDirectory(async (directory) => {
    const tensors = tf.memory().numTensors;
    await model.saveAdapter(directory);
    expect(tf.memory().numTensors).toBe(tensors);
    const saved = await readAdapter(directory);
    expect(saved.tensors).toEqual([['prompt_embeddings', shape]]);
    expect(saved.config).toMatchObject({ peft_type: config.peft_type, inference_mode: true, encoder_hidden_size: 8 });

    // Still the training form: the encoder's network, its values and flags, training mode, the config.
    expect(adapterSnapshot(model)).toEqual(before);
    expect(model.namedModules().every(([, m]) => m.training)).toBe(true);
    expect(model.peftConfig.default.inference_mode).toBe(false);
    model.eval();
    expect(logitsOf(model, lmInput)).toEqual(expected);

    const loaded = await PeftModel.fromPretrained(tinyLM(), directory);
    expect(loaded.adapterState('default').map(([path, p]) => [path, p.shape, p.trainable])).toEqual([['prompt_encoder.default.embedding.weight', shape, false]]);
    expect(logitsOf(loaded, lmInput)).toEqual(expected);
    loaded.dispose();

    // For training the adapter would need its network, which the file does not hold.
    const base = tinyLM();
    const loading = PeftModel.fromPretrained(base, directory, 'default', { isTrainable: true });
    await expect(loading).rejects.toThrow(AdapterStateError);
    await expect(loading).rejects.toThrow(/the file holds \[prompt_embeddings\], which this form of the adapter computes when saving.*Load it for inference instead/);
    expect(base.parameters().every((p) => p.trainable && !p.isDisposed)).toBe(true);
    base.dispose();
  });
  model.dispose();
});

test("P_TUNING's encoder_dropout is written as a float, as Python writes 0.0", async () => {
  const model = getPeftModel(tinyLM(), { peft_type: 'P_TUNING', num_virtual_tokens: 2, inference_mode: true });
  await withTemporaryDirectory(async (directory) => {
    await model.saveAdapter(directory);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(path.join(directory, 'adapter_config.json'), 'utf8')).toMatch(/"encoder_dropout": 0\.0/);
  });
  model.dispose();
});

test('modules_to_save of a prompt-learning adapter are stored under base_model. (no tuner wrapper), and load back', async () => {
  const model = getPeftModel(tinyBert(), { peft_type: 'PROMPT_TUNING', task_type: 'SEQ_CLS', num_virtual_tokens: 2, modules_to_save: ['classifier'] });
  perturb(model);
  const expected = logitsOf(model, bertInput);
  await withTemporaryDirectory(async (directory) => {
    await model.saveAdapter(directory);
    const saved = await readAdapter(directory);
    expect(saved.tensors.map(([name]) => name).sort()).toEqual(['base_model.classifier.bias', 'base_model.classifier.weight', 'prompt_embeddings']);
    expect(saved.config.modules_to_save).toEqual(['classifier']);
    const loaded = await PeftModel.fromPretrained(tinyBert(), directory);
    expect(logitsOf(loaded, bertInput)).toEqual(expected);
    loaded.dispose();
  });
  model.dispose();
});

test('a prompt-tuning folder as Python peft writes it loads, and prepends its embeddings', async () => {
  // adapter_config.json as peft's save_pretrained writes it (sorted keys, 2-space indent), for a model of our tiny dims.
  const config = `{
  "auto_mapping": null,
  "base_model_name_or_path": "tiny-gpt2",
  "inference_mode": true,
  "num_attention_heads": ${HEADS},
  "num_layers": ${LAYERS},
  "num_transformer_submodules": 1,
  "num_virtual_tokens": 3,
  "peft_type": "PROMPT_TUNING",
  "prompt_tuning_init": "TEXT",
  "prompt_tuning_init_text": "Classify if the tweet is a complaint or not:",
  "revision": null,
  "task_type": "CAUSAL_LM",
  "token_dim": ${HIDDEN},
  "tokenizer_kwargs": null,
  "tokenizer_name_or_path": "gpt2"
}`;
  const embeddings = tf.tidy(() => tf.mul(0.5, tf.cos(tf.reshape(tf.range(0, 3 * HIDDEN), [3, HIDDEN]))));
  await withTemporaryDirectory(async (directory) => {
    await writeFile(path.join(directory, 'adapter_config.json'), config);
    await writeFile(path.join(directory, 'adapter_model.safetensors'), encodeSafetensors({ prompt_embeddings: embeddings }));
    // Inference mode skips TEXT init (as peft does), so no tokenizer is needed.
    const base = tinyLM();
    const model = await PeftModel.fromPretrained(base, directory);
    expect(Array.from(model.getParameter('prompt_encoder.default.embedding.weight').variable.dataSync())).toEqual(Array.from(embeddings.dataSync()));
    const input = lmInput();
    const byHand = tf.tidy(() => {
      const tokens = base.getInputEmbeddings().call(input.inputIds!);
      const mask = tf.concat([tf.ones([2, 3], 'int32'), input.attentionMask!], 1);
      const logits = base.call({ inputsEmbeds: tf.concat([tf.stack([embeddings, embeddings]), tokens], 1), attentionMask: mask }).logits;
      return Array.from(tf.slice(logits, [0, 3, 0], [-1, -1, -1]).dataSync());
    });
    disposeAll(input);
    expect(logitsOf(model, lmInput)).toEqual(byHand);
    // Saved again, the config is the file's bytes: no key added, none dropped.
    const again = path.join(directory, 'again');
    await model.saveAdapter(again);
    expect(await readFile(path.join(again, 'adapter_config.json'), 'utf8')).toBe(config);
    model.dispose();
  });
  embeddings.dispose();
});
