/**
 * Core's task-head rule holds for every method, not only LoRA: an IA3 or a
 * bottleneck adapter for sequence classification keeps a trainable copy of the
 * head, saves it under peft's name, skips the head name the model lacks (peft
 * lists both `classifier` and `score`), and its config round-trips byte for byte.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PeftModel, getPeftModel, manualSeed } from '@peftjs/core';
import { BertForSequenceClassification, GPT2ForSequenceClassification } from '@peftjs/models';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TINY_BERT, TINY_GPT2, onBackend } from '../test/helpers';

beforeAll(() => onBackend('cpu'));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peftjs-adapters-heads-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bert = () => (manualSeed(11), new BertForSequenceClassification({ ...TINY_BERT, numLabels: 3 }).eval());
const gpt2 = () => (manualSeed(12), new GPT2ForSequenceClassification({ ...TINY_GPT2, numLabels: 3 }).eval());
const ids = () => ({ inputIds: tf.tensor2d([[1, 5, 7, 2], [3, 4, 9, 8]], undefined, 'int32') });

const CASES = [
  { name: 'IA3 on BERT', make: bert, head: 'classifier', config: { peft_type: 'IA3', task_type: 'SEQ_CLS', modules_to_save: ['classifier', 'score'] } },
  { name: 'bottleneck on GPT-2', make: gpt2, head: 'score', config: { peft_type: 'BOTTLENECK', config: 'pfeiffer', task_type: 'SEQ_CLS', modules_to_save: ['classifier', 'score'] } },
];

describe.each(CASES)('$name with task_type SEQ_CLS', ({ make, head, config }) => {
  test('keeps a trainable copy of the head it has, skips the one it lacks, and saves it under peft\'s name', async () => {
    const model = getPeftModel(make(), config);
    const trainable = model.namedParameters().filter(([, p]) => p.trainable).map(([name]) => name);
    expect(trainable.some((name) => name.includes(`${head}.modules_to_save.default.`))).toBe(true);
    await model.saveAdapter(dir);
    const header = JSON.parse(
      new TextDecoder().decode((await readFile(path.join(dir, 'adapter_model.safetensors'))).subarray(8, 8 + Number((await readFile(path.join(dir, 'adapter_model.safetensors'))).readBigUInt64LE(0)))),
    );
    expect(Object.keys(header).some((name) => name.startsWith(`base_model.model.${head}.`))).toBe(true);
    model.unload();
  });

  test('a saved adapter loads with equal outputs, and its config re-saves byte for byte', async () => {
    const trained = getPeftModel(make(), config);
    // Move the head copy away from the base so equal outputs mean it was loaded.
    for (const [name, parameter] of trained.namedParameters()) {
      if (name.includes('modules_to_save')) parameter.assign(tf.tidy(() => tf.add(parameter.variable, 0.25)));
    }
    const x = ids();
    const expected = (trained.call(x) as { logits: tf.Tensor }).logits;
    await trained.saveAdapter(dir);
    const written = await readFile(path.join(dir, 'adapter_config.json'), 'utf8');

    const loaded = await PeftModel.fromPretrained(make(), dir);
    const actual = (loaded.call(x) as { logits: tf.Tensor }).logits;
    expect(Array.from(actual.dataSync())).toEqual(Array.from(expected.dataSync()));
    const again = path.join(dir, 'again');
    await loaded.saveAdapter(again);
    expect(await readFile(path.join(again, 'adapter_config.json'), 'utf8')).toBe(written);
    tf.dispose([x.inputIds, expected, actual]);
  });

  test('a config file with keys in a form peft wrote keeps exactly those keys on re-save', async () => {
    const model = getPeftModel(make(), config);
    await model.saveAdapter(dir);
    model.unload();
    const file = path.join(dir, 'adapter_config.json');
    const text = await readFile(file, 'utf8');
    // As an older peft would have written it: without one of the optional keys.
    const trimmed = JSON.parse(text);
    delete trimmed.revision;
    const trimmedText = JSON.stringify(trimmed, Object.keys(trimmed).sort(), 2);
    await writeFile(file, trimmedText);
    const loaded = await PeftModel.fromPretrained(make(), dir);
    const out = path.join(dir, 'out');
    await loaded.saveAdapter(out);
    expect(await readFile(path.join(out, 'adapter_config.json'), 'utf8')).toBe(trimmedText);
  });
});
