/**
 * The IndexedDB adapter store, on fake-indexeddb (a complete IndexedDB in
 * plain JS, as a page or worker has it).
 */
import { IDBFactory } from 'fake-indexeddb';
import * as tf from '@tensorflow/tfjs-core';
import { onBackend } from '../../../test/helpers';
import { InvalidArgumentError } from '../../errors';
import { Linear } from '../../nn/layers/linear';
import { Sequential } from '../../nn/layers/sequential';
import { manualSeed } from '../../nn/random';
import { PeftModel } from '../../peft/peft-model';
import { getPeftModel } from '../../peft/peft-model';
import { registerPeftMethod } from '../../peft/registry';
import { SCALE_SHIFT, scaleShiftMethod } from '../../../test/scale-shift-method';
import { openAdapterStore, type AdapterStore } from './adapter-store';
import { AdapterStoreError } from './errors';

beforeAll(() => {
  onBackend('cpu');
  registerPeftMethod(scaleShiftMethod);
});

const bytesOf = (text: string) => new TextEncoder().encode(text);
const pair = (tag: string) => ({ config: bytesOf(`{"peft_type":"X","tag":"${tag}"}`), weights: bytesOf(`weights of ${tag}`.repeat(3)) });
const textOf = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

let factory: IDBFactory;
let store: AdapterStore;
beforeEach(async () => {
  factory = new IDBFactory();
  store = await openAdapterStore({ indexedDB: factory });
});
afterEach(() => store.close());

/** Writes a raw record under `key`, as another script of the origin could. */
async function writeRaw(key: string, value: unknown): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = factory.open('peftjs-adapter-store', 1);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction('adapters', 'readwrite');
    tx.objectStore('adapters').put(value, key);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

describe('openAdapterStore (IndexedDB)', () => {
  test('put then get returns the same bytes, as copies; a new connection (a reload) sees them; absent keys are undefined', async () => {
    const saved = pair('a');
    await store.put('sentiment', saved);
    saved.weights[0] = 0; // the caller reusing its buffer after the save changes nothing stored
    const reopened = await openAdapterStore({ indexedDB: factory });
    const got = await reopened.get('sentiment');
    expect(textOf(got!.config)).toBe(textOf(pair('a').config));
    expect(Array.from(got!.weights)).toEqual(Array.from(pair('a').weights));
    expect(await reopened.get('other')).toBeUndefined();
    reopened.close();
  });

  test('a put replaces config and weights together; list gives sizes sorted by key; delete removes', async () => {
    await store.put('b', pair('old'));
    await store.put('a', pair('x'));
    await store.put('b', pair('new-and-longer'));
    const got = await store.get('b');
    expect(textOf(got!.config)).toContain('new-and-longer');
    expect(textOf(got!.weights)).toContain('new-and-longer');
    const list = await store.list();
    expect(list.map(({ key, configBytes, weightsBytes }) => [key, configBytes, weightsBytes])).toEqual([
      ['a', pair('x').config.length, pair('x').weights.length],
      ['b', pair('new-and-longer').config.length, pair('new-and-longer').weights.length],
    ]);
    expect(list.every((info) => Number.isFinite(info.savedAt))).toBe(true);
    await store.delete('b');
    await store.delete('never-there');
    expect((await store.list()).map((info) => info.key)).toEqual(['a']);
  });

  test('a trained adapter survives the store: the model loaded from it computes what the saved one did', async () => {
    manualSeed(3);
    const base = () => {
      manualSeed(3);
      return new Sequential(new Linear(4, 3), new Linear(3, 2));
    };
    const model = getPeftModel(base(), { peft_type: SCALE_SHIFT, target_modules: ['0'] });
    for (const [, parameter] of model.adapterState('default')) parameter.variable.assign(tf.randomNormal(parameter.shape, 0, 1, 'float32', 5));
    const x = tf.tensor2d([[0.5, -1, 2, 0.25]]);
    const before = Array.from((model.call(x) as tf.Tensor).dataSync());
    await store.put('task', await model.toAdapterBytes());
    const loaded = await PeftModel.fromAdapterBytes(base(), (await store.get('task'))!);
    expect(Array.from((loaded.call(x) as tf.Tensor).dataSync())).toEqual(before);
    tf.dispose(x);
    model.dispose();
    loaded.dispose();
  });

  test('records another script wrote are refused naming the field, in get and in list', async () => {
    const cases: Array<[unknown, RegExp]> = [
      ['a string', /expected the record to be an object/],
      [{ version: 2, config: bytesOf('{}'), weights: bytesOf('w'), savedAt: 1 }, /expected version to be 1/],
      [{ version: 1, config: 'not bytes', weights: bytesOf('w'), savedAt: 1 }, /expected config to be a Uint8Array/],
      [{ version: 1, config: bytesOf('{}'), weights: new Uint8Array(0), savedAt: 1 }, /expected weights to be a Uint8Array of 1 to/],
      [{ version: 1, config: new Uint8Array((1 << 20) + 1), weights: bytesOf('w'), savedAt: 1 }, /expected config to be a Uint8Array of 1 to 1048576 bytes/],
      [{ version: 1, config: bytesOf('{}'), weights: bytesOf('w'), savedAt: 'yesterday' }, /expected savedAt/],
    ];
    for (const [value, message] of cases) {
      await writeRaw('bad', value);
      await expect(store.get('bad')).rejects.toThrow(AdapterStoreError);
      await expect(store.get('bad')).rejects.toThrow(message);
      await expect(store.list()).rejects.toThrow(message);
    }
    const small = await openAdapterStore({ indexedDB: factory, maxWeightsBytes: 4 });
    await writeRaw('bad', { version: 1, config: bytesOf('{}'), weights: bytesOf('12345'), savedAt: 1 });
    await expect(small.get('bad')).rejects.toThrow(/expected weights to be a Uint8Array of 1 to 4 bytes/);
    small.close();
  });

  test('bad keys and bad pairs are InvalidArgumentError before anything is written', async () => {
    await store.put('keep', pair('keep'));
    for (const key of ['', 'k'.repeat(257), 7 as unknown as string]) {
      await expect(store.put(key, pair('x'))).rejects.toThrow(InvalidArgumentError);
      await expect(store.get(key)).rejects.toThrow(/expected a string of 1 to 256 characters/);
    }
    await expect(store.put('keep', { config: 'text' as unknown as Uint8Array, weights: bytesOf('w') })).rejects.toThrow(/expected config as a Uint8Array/);
    await expect(store.put('keep', { config: bytesOf('{}'), weights: new Uint8Array(0) })).rejects.toThrow(/expected weights as a Uint8Array of 1 to/);
    expect(textOf((await store.get('keep'))!.config)).toContain('keep');
    expect((await store.list()).map((info) => info.key)).toEqual(['keep']);
  });

  test('without IndexedDB (Node) the error says what to use instead', async () => {
    await expect(openAdapterStore()).rejects.toThrow(AdapterStoreError);
    await expect(openAdapterStore()).rejects.toThrow(/expected IndexedDB .*model\.saveAdapter\(dir\)/);
    await expect(openAdapterStore({ indexedDB: factory, maxWeightsBytes: 0 })).rejects.toThrow(InvalidArgumentError);
  });
});
