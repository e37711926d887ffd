import * as tf from '@tensorflow/tfjs-core';
import { PeftModel, getPeftModel, isAdapterLayer, listAdapters, type Module } from '@peftjs/core';
import type { LogitsOutput, TransformerInput } from '@peftjs/models';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeGpt2, onBackend, perturb } from '../../test/helpers';
import { CompositionError } from '../errors';
import { activeComposition, addFusion, setActive } from './activate';
import { Average, BatchSplit, Fuse, Parallel, Stack, type Composition } from './blocks';
import { COMPOSITION_FILE, loadComposition, saveComposition } from './files';

beforeAll(() => onBackend('cpu'));

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'peftjs-adapters-'));
});
afterEach(() => rm(directory, { recursive: true, force: true }));

type Gpt2 = PeftModel<TransformerInput, LogitsOutput>;

const IDS = [[1, 5, 9, 2], [3, 3, 8, 0], [7, 1, 4, 4], [2, 9, 6, 5]];

function logits(model: Module<TransformerInput, LogitsOutput>): number[] {
  const inputIds = tf.tensor2d(IDS, undefined, 'int32');
  try {
    return tf.tidy(() => Array.from(model.call({ inputIds }).logits.dataSync()));
  } finally {
    inputIds.dispose();
  }
}

/** GPT-2 with houlsby adapters a, b, c, an IA3 adapter s, and the fusion of b and c. */
function trained(): Gpt2 {
  const houlsby = { peft_type: 'BOTTLENECK', config: 'houlsby', reduction_factor: 4 };
  const model = getPeftModel(makeGpt2(), houlsby, 'a');
  model.addAdapter('b', houlsby);
  model.addAdapter('c', houlsby);
  model.addAdapter('s', { peft_type: 'IA3', fan_in_fan_out: true });
  addFusion(model as never, Fuse('b', 'c'));
  for (const [i, name] of ['a', 'b', 'c', 's', 'fuse_b_c'].entries()) perturb(model.adapterState(name), 20 + i, 0.2);
  return model;
}

const COMPOSITIONS: Array<[string, Composition]> = [
  ['Stack with a Fuse', Stack('a', Fuse('b', 'c'))],
  ['Parallel', Parallel('a', Stack('b', 's'))],
  ['BatchSplit', BatchSplit('s', Average('a', 'b', { weights: [3, 1] }), { batchSizes: [1, 3] })],
  ['Average of bottleneck and IA3', Average('c', 's')],
];

describe('saveComposition / loadComposition', () => {
  test.each(COMPOSITIONS)('%s: saved with its adapters, loaded into a fresh base, gives the same output', async (_, composition) => {
    const model = trained();
    setActive(model as never, composition);
    const expected = logits(model as never);
    await saveComposition(model as never, directory);
    model.dispose();

    const loaded = await loadComposition(makeGpt2(), directory);
    expect(activeComposition(loaded as never)).toEqual(composition);
    expect(logits(loaded as never)).toEqual(expected);
    expect(loaded.parameters().some((p) => p.trainable)).toBe(false);
    loaded.dispose();
  });

  test("the adapters are peft's folder layout (each loads on its own) plus adapter_composition.json", async () => {
    const model = trained();
    setActive(model as never, Stack('a', Fuse('b', 'c')));
    await saveComposition(model as never, directory);
    expect(await listAdapters(directory)).toEqual(['a', 'b', 'c', 'fuse_b_c']);
    const document = JSON.parse(await readFile(path.join(directory, COMPOSITION_FILE), 'utf8'));
    expect(document).toEqual({ composition: JSON.parse(JSON.stringify(Stack('a', Fuse('b', 'c')))), adapters: ['a', 'b', 'c', 'fuse_b_c'] });
    const config = JSON.parse(await readFile(path.join(directory, 'fuse_b_c', 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({ peft_type: 'ADAPTER_FUSION', adapters: ['b', 'c'], temperature: 1 });
    const single = await PeftModel.fromPretrained(makeGpt2(), directory, 'a');
    expect(single.adapterNames).toEqual(['a']);
    single.dispose();
    model.dispose();
  });

  test('loads into an existing PeftModel; a bad file leaves that model as it was', async () => {
    const model = trained();
    setActive(model as never, Stack('a', Fuse('b', 'c')));
    await saveComposition(model as never, directory);
    model.dispose();

    const target = getPeftModel(makeGpt2(), { peft_type: 'IA3', fan_in_fan_out: true }, 'own');
    const before = logits(target as never);
    // A composition naming an adapter the folder lacks: the adapters loaded before it are removed again.
    const document = JSON.parse(await readFile(path.join(directory, COMPOSITION_FILE), 'utf8'));
    await writeFile(path.join(directory, COMPOSITION_FILE), JSON.stringify({ ...document, composition: Stack('a', 'ghost') }));
    await expect(loadComposition(target, directory)).rejects.toThrow(CompositionError);
    expect(target.adapterNames).toEqual(['own']);
    expect(target.activeAdapters).toEqual(['own']);
    expect(logits(target as never)).toEqual(before);
    // A broken composition is refused before anything loads.
    await writeFile(path.join(directory, COMPOSITION_FILE), JSON.stringify({ ...document, composition: { type: 'Fuse', children: ['a', { type: 'Parallel', children: ['b'] }] } }));
    await expect(loadComposition(target, directory)).rejects.toThrow(/cannot nest Parallel in Fuse/);
    await writeFile(path.join(directory, COMPOSITION_FILE), '{ not json');
    await expect(loadComposition(target, directory)).rejects.toThrow(/expected JSON/);

    await writeFile(path.join(directory, COMPOSITION_FILE), JSON.stringify(document));
    await loadComposition(target, directory, { isTrainable: true });
    expect(target.adapterNames).toEqual(['own', 'a', 'b', 'c', 'fuse_b_c']);
    // Trainable, but a Fuse trains only its fusion layer (and the stacked adapter a).
    const trainable = new Set(target.namedParameters().filter(([, p]) => p.trainable).map(([name]) => name.split('.').slice(-2, -1)[0]));
    expect([...trainable].sort()).toEqual(['a', 'fuse_b_c']);
    target.dispose();
  });

  test('loading into a base model that fails unwraps it again', async () => {
    const model = trained();
    setActive(model as never, Stack('a', 'b'));
    await saveComposition(model as never, directory);
    model.dispose();
    const document = JSON.parse(await readFile(path.join(directory, COMPOSITION_FILE), 'utf8'));
    await writeFile(path.join(directory, COMPOSITION_FILE), JSON.stringify({ ...document, adapters: ['a', 'b', 'missing'] }));
    const base = makeGpt2();
    await expect(loadComposition(base, directory)).rejects.toThrow(/missing/);
    expect(base.namedModules().some(([, m]) => isAdapterLayer(m))).toBe(false);
    base.dispose();
  });
});
