import * as tf from '@tensorflow/tfjs-core';
import { Generator, InvalidArgumentError, getPeftModel, train, type PeftModel } from '@peftjs/core';
import { GPT2Tokenizer, RemappedTokenizer, positionsFromMask, type LogitsOutput, type TransformerInput } from '@peftjs/models';
import { disposeAll, expectClose, sharpen, HIDDEN, lmInput, logitsOf, onBackend, tinyBert, tinyGpt2Classifier, tinyLM, VOCAB, bertInput } from '../../test/helpers';
import { PromptInitError } from '../errors';
import { registerTokenizer, unregisterTokenizer } from './tokenizers';
import { promptTuningConfig } from './config';

beforeAll(() => onBackend('cpu'));

const prompt = (model: PeftModel<TransformerInput, LogitsOutput>, name = 'default') => model.getParameter(`prompt_encoder.${name}.embedding.weight`);
const rows = (t: tf.Tensor) => t.arraySync() as number[][];

describe('PROMPT_TUNING', () => {
  test('prepends n virtual embeddings, returns outputs at the caller positions, and completes the config as peft does', () => {
    const base = tinyLM();
    const model = getPeftModel(base, { peft_type: 'PROMPT_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: 4 });
    expect(model.adapterState('default').map(([path, p]) => [path, p.shape])).toEqual([['prompt_encoder.default.embedding.weight', [4, HIDDEN]]]);
    expect(model.peftConfig.default).toMatchObject({ token_dim: HIDDEN, num_layers: 2, num_attention_heads: 4, num_transformer_submodules: 1, prompt_tuning_init: 'RANDOM' });
    const input = lmInput();
    const before = tf.memory().numTensors;
    const output = model.call({ ...input, outputHiddenStates: true, useCache: true });
    expect(output.logits.shape).toEqual([2, 5, VOCAB]);
    expect(output.hiddenStates!.every((h) => h.shape[1] === 5)).toBe(true);
    // The cache keeps the virtual tokens: the next call continues after them.
    expect(output.pastKeyValues![0].key.shape).toEqual([2, 4, 4 + 5, HIDDEN / 4]);
    // Same as feeding the base the prompt and the token embeddings by hand, then cutting the prompt positions.
    const byHand = tf.tidy(() => {
      const tokens = base.getInputEmbeddings().call(input.inputIds!);
      const embeds = tf.concat([tf.stack([prompt(model).variable, prompt(model).variable]), tokens], 1);
      const mask = tf.concat([tf.ones([2, 4], 'int32'), input.attentionMask!], 1);
      return tf.slice(base.call({ inputsEmbeds: embeds, attentionMask: mask }).logits, [0, 4, 0], [-1, -1, -1]);
    });
    expectClose(output.logits.dataSync(), byHand.dataSync(), 1e-6);
    tf.dispose([byHand, output as never]);
    expect(tf.memory().numTensors).toBe(before);
    disposeAll(input);
    model.dispose();
  });

  test('a left-padded row gives what it gives alone: the mask gains the virtual tokens and positions move up by n', () => {
    const model = getPeftModel(tinyLM(), { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 3 });
    const mask = [[0, 0, 1, 1, 1]];
    const padded = logitsOf(model, () => ({
      inputIds: tf.tensor2d([[0, 0, 7, 2, 18]], [1, 5], 'int32'),
      attentionMask: tf.tensor2d(mask, [1, 5], 'int32'),
      positionIds: tf.tensor2d(positionsFromMask(mask), [1, 5], 'int32'),
    }));
    const alone = logitsOf(model, () => ({ inputIds: tf.tensor2d([[7, 2, 18]], [1, 3], 'int32') }));
    expectClose(padded.slice(2 * VOCAB), alone, 1e-5);
    model.dispose();
  });

  test('a GPT-2 classifier pools the last real token of a right-padded row, and BERT gets segment 0 for virtual tokens', () => {
    const classifier = getPeftModel(tinyGpt2Classifier(), { peft_type: 'PROMPT_TUNING', task_type: 'SEQ_CLS', num_virtual_tokens: 2 });
    const padded = logitsOf(classifier, () => ({ inputIds: tf.tensor2d([[7, 2, 0, 0]], [1, 4], 'int32'), attentionMask: tf.tensor2d([[1, 1, 0, 0]], [1, 4], 'int32') }));
    const alone = logitsOf(classifier, () => ({ inputIds: tf.tensor2d([[7, 2]], [1, 2], 'int32') }));
    expectClose(padded, alone, 1e-5);
    classifier.dispose();
    const bert = getPeftModel(tinyBert(), { peft_type: 'PROMPT_TUNING', task_type: 'SEQ_CLS', num_virtual_tokens: 2 });
    expect(logitsOf(bert, bertInput)).toHaveLength(2 * 3);
    bert.dispose();
  });

  test('SAMPLE_VOCAB starts from embeddings of vocabulary tokens drawn by the seeded generator', () => {
    const base = tinyLM();
    const config = promptTuningConfig({ num_virtual_tokens: 5, prompt_tuning_init: 'SAMPLE_VOCAB' }, { rng: new Generator(3) });
    const model = getPeftModel(base, config);
    const table = rows(base.getInputEmbeddings().getParameter('weight').variable);
    const draws = new Generator(3);
    const ids = Array.from({ length: 5 }, () => Math.floor(draws.uniform() * VOCAB));
    expect(rows(prompt(model).variable)).toEqual(ids.map((id) => table[id]));
    model.dispose();
  });

  test("TEXT starts from the text's token embeddings, repeated or cut to n, with a tokenizer passed or registered", () => {
    const base = tinyLM();
    const table = rows(base.getInputEmbeddings().getParameter('weight').variable);
    const corpus = ['classify the review as good or bad', 'the film was good', 'the food was bad'];
    const tokenizer = RemappedTokenizer.fromCorpus(new GPT2Tokenizer(), corpus, VOCAB);
    const text = 'the review was good';
    const ids = tokenizer.encode(text);
    expect(ids.length).toBeGreaterThan(1);
    const fields = { num_virtual_tokens: 7, prompt_tuning_init: 'TEXT', prompt_tuning_init_text: text, tokenizer_name_or_path: 'gpt2-remapped' } as const;
    const model = getPeftModel(base, promptTuningConfig(fields, { tokenizer }));
    const expected = Array.from({ length: 7 }, (_, i) => table[ids[i % ids.length]]);
    expect(rows(prompt(model).variable)).toEqual(expected);
    // The config stores the text and the tokenizer's name, as peft does; not the tokenizer.
    expect(model.peftConfig.default).toMatchObject({ prompt_tuning_init_text: text, tokenizer_name_or_path: 'gpt2-remapped' });
    expect(Object.keys(model.peftConfig.default).filter((key) => /tokenizer$|rng/.test(key))).toEqual([]);

    // A plain function works too, and a registered tokenizer is found by name (so a reload for training works).
    model.addAdapter('short', promptTuningConfig({ ...fields, num_virtual_tokens: 2 }, { tokenizer: (t: string) => tokenizer.encode(t) }));
    expect(rows(prompt(model, 'short').variable)).toEqual(expected.slice(0, 2));
    registerTokenizer('gpt2-remapped', tokenizer);
    try {
      model.addAdapter('registered', { peft_type: 'PROMPT_TUNING', ...fields });
      expect(rows(prompt(model, 'registered').variable)).toEqual(expected);
    } finally {
      unregisterTokenizer('gpt2-remapped');
    }
    expect(() => model.addAdapter('none', { peft_type: 'PROMPT_TUNING', ...fields })).toThrow(PromptInitError);
    expect(model.adapterNames).toEqual(['default', 'short', 'registered']);
    model.dispose();
  });

  test('TEXT needs the text and the tokenizer name; tokenizer_kwargs only with TEXT', () => {
    const base = tinyLM();
    expect(() => getPeftModel(base, { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 2, prompt_tuning_init: 'TEXT', prompt_tuning_init_text: 'x' })).toThrow(/tokenizer_name_or_path/);
    expect(() => getPeftModel(base, { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 2, prompt_tuning_init: 'TEXT', tokenizer_name_or_path: 'gpt2' })).toThrow(/prompt_tuning_init_text/);
    expect(() => getPeftModel(base, { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 2, tokenizer_kwargs: { a: 1 } })).toThrow(InvalidArgumentError);
    expect(() => getPeftModel(base, { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 2, prompt_tuning_init: 'VOCAB' })).toThrow(/one of 'RANDOM', 'SAMPLE_VOCAB', 'TEXT'/);
    expect(base.parameters().every((p) => p.trainable)).toBe(true);
    base.dispose();
  });

  test('two prompt adapters active together nest: the first active is outermost, so its tokens sit nearest the input', () => {
    const model = getPeftModel(tinyLM(), { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 2 }, 'a');
    model.addAdapter('b', { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 3 });
    model.addAdapter('ba', { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 5 });
    prompt(model, 'ba').assign(tf.concat([prompt(model, 'b').variable, prompt(model, 'a').variable]));
    model.setAdapter(['a', 'b']);
    const nested = logitsOf(model, lmInput);
    model.setAdapter('ba');
    expectClose(nested, logitsOf(model, lmInput), 1e-6);
    model.dispose();
  });

  test('deleting the prompt gives the base output exactly', () => {
    const base = tinyLM();
    const expected = logitsOf(base, lmInput);
    const model = getPeftModel(base, { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 3 }, 'p');
    model.addAdapter('q', { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 3 });
    model.deleteAdapter('q');
    expect(logitsOf(model, lmInput)).not.toEqual(expected);
    model.deleteAdapter('p');
    expect(logitsOf(model, lmInput)).toEqual(expected);
    expect(model.parameters().filter((p) => p.trainable)).toEqual([]);
    model.dispose();
  });
});

describe('PROMPT_TUNING training (core train loop)', () => {
  const nextTokenLoss = (model: PeftModel<TransformerInput, LogitsOutput>, batch: { ids: tf.Tensor2D }) =>
    tf.tidy(() => {
      const [b, s] = batch.ids.shape;
      const logits = model.call({ inputIds: batch.ids }).logits;
      // The output has the caller's positions only: no loss ever lands on a virtual token.
      expect(logits.shape[1]).toBe(s);
      const predicted = tf.reshape(tf.slice(logits, [0, 0, 0], [b, s - 1, VOCAB]), [-1, VOCAB]);
      const targets = tf.oneHot(tf.reshape(tf.slice(batch.ids, [0, 1], [b, s - 1]), [-1]), VOCAB);
      return tf.losses.softmaxCrossEntropy(targets, predicted) as tf.Scalar;
    });

  test('a causal LM learns a sequence through the prompt alone', async () => {
    const model = getPeftModel(sharpen(tinyLM(), 6), { peft_type: 'PROMPT_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: 4, prompt_tuning_init: 'SAMPLE_VOCAB' });
    const batch = { ids: tf.tensor2d([[5, 6, 7, 8, 9, 10], [11, 12, 13, 14, 15, 16]], [2, 6], 'int32') as tf.Tensor2D };
    const baseWeights = model.baseModel.parameters().map((p) => Array.from(p.variable.dataSync()));
    const history = await train(model, [batch], { loss: nextTokenLoss, optimizer: 'adam', learningRate: 0.1, maxSteps: 25, progress: false });
    expect(history.losses[history.losses.length - 1]).toBeLessThan(0.7 * history.losses[0]);
    expect(model.baseModel.parameters().map((p) => Array.from(p.variable.dataSync()))).toEqual(baseWeights);
    batch.ids.dispose();
    model.dispose();
  });

  test('a classifier learns labels with the prompt and its head (modules_to_save)', async () => {
    const model = getPeftModel(tinyGpt2Classifier(), { peft_type: 'PROMPT_TUNING', task_type: 'SEQ_CLS', num_virtual_tokens: 4, modules_to_save: ['score'] });
    const batch = {
      inputIds: tf.tensor2d([[3, 4, 5], [9, 10, 0], [3, 5, 4], [10, 9, 0]], [4, 3], 'int32'),
      attentionMask: tf.tensor2d([[1, 1, 1], [1, 1, 0], [1, 1, 1], [1, 1, 0]], [4, 3], 'int32'),
      labels: tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2),
    };
    const loss = (m: typeof model, b: typeof batch) =>
      tf.tidy(() => tf.losses.softmaxCrossEntropy(b.labels, m.call({ inputIds: b.inputIds, attentionMask: b.attentionMask }).logits) as tf.Scalar);
    const history = await train(model, [batch], { loss, optimizer: 'adam', learningRate: 0.05, maxSteps: 30, progress: false });
    expect(history.losses[history.losses.length - 1]).toBeLessThan(0.5 * history.losses[0]);
    disposeAll(batch);
    model.dispose();
  });
});
