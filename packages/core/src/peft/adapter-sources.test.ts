import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onBackend } from '../../test/helpers';
import { SCALE_SHIFT } from '../../test/scale-shift-method';
import { InvalidArgumentError, NotFoundError } from '../errors';
import { AdapterFetchError, AdapterFormatError } from '../io/errors';
import { fetchAdapterBytes, decodeAdapterBytes, detectWeightsFormat } from '../io';
import { Activation } from '../nn/layers/activations';
import { Linear } from '../nn/layers/linear';
import { Sequential } from '../nn/layers/sequential';
import { manualSeed } from '../nn/random';
import { getPeftModel, PeftModel } from './peft-model';

const makeBase = () => {
  manualSeed(7);
  return new Sequential(new Linear(4, 5), new Activation('tanh'), new Linear(5, 3));
};
const config = { peft_type: SCALE_SHIFT, target_modules: ['0', '2'] };
const input = () => tf.tensor2d([[0.1, -0.3, 0.5, 0.9], [1, 0.2, -0.4, 0.3]]);
const outputOf = (model: PeftModel) => Array.from(model.call(input()).dataSync());

/** A trained-looking adapter: every parameter filled with `value`, so two values make two different saves. */
function trainedModel(value: number): PeftModel {
  const model = getPeftModel(makeBase(), config);
  for (const [, parameter] of model.adapterState('default')) parameter.assign(tf.fill(parameter.shape, value));
  return model;
}

beforeAll(() => onBackend('cpu'));

describe('adapters as bytes', () => {
  test('toAdapterBytes gives exactly the files saveAdapter writes, and fromAdapterBytes restores the outputs', async () => {
    const model = trainedModel(0.25);
    model.addAdapter('second', config);
    const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-bytes-'));
    try {
      await model.saveAdapter(directory);
      for (const [name, folder] of [['default', directory], ['second', path.join(directory, 'second')]]) {
        const bytes = await model.toAdapterBytes(name);
        expect(Buffer.from(bytes.config).equals(await readFile(path.join(folder, 'adapter_config.json')))).toBe(true);
        expect(Buffer.from(bytes.weights).equals(await readFile(path.join(folder, 'adapter_model.safetensors')))).toBe(true);
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    const expected = outputOf(model);
    const bytes = await model.toAdapterBytes();
    const loaded = await PeftModel.fromAdapterBytes(makeBase(), bytes);
    expect(outputOf(loaded)).toEqual(expected);
    // Loaded for inference: eval mode and inference_mode, as from a folder.
    expect(loaded.peftConfig.default.inference_mode).toBe(true);
    await loaded.loadAdapterBytes(bytes, 'copy', { isTrainable: true });
    expect(loaded.peftConfig.copy.inference_mode).toBe(false);
    loaded.setAdapter('copy');
    expect(outputOf(loaded)).toEqual(expected);
    loaded.dispose();
    model.dispose();
  });

  test('typed errors for an unknown adapter, a bad name and bad bytes; the model is left as it was', async () => {
    const model = trainedModel(0.5);
    await expect(model.toAdapterBytes('nope')).rejects.toThrow(NotFoundError);
    const bytes = await model.toAdapterBytes();
    await expect(model.loadAdapterBytes(bytes, 'a.b')).rejects.toThrow(InvalidArgumentError);
    await expect(model.loadAdapterBytes({ config: bytes.config, weights: bytes.weights.slice(0, 20) }, 'cut')).rejects.toThrow('Invalid safetensors');
    await expect(model.loadAdapterBytes({ config: new TextEncoder().encode('{"r": 1}'), weights: bytes.weights }, 'noType')).rejects.toThrow(AdapterFormatError);
    expect(model.adapterNames).toEqual(['default']);
    model.dispose();
  });

  test('weights are told apart by content: a torch.save zip is read as torch, safetensors as safetensors', async () => {
    const bin = await readFile(path.join(__dirname, '../../test/fixtures/torch-save/adapter_model.bin'));
    expect(detectWeightsFormat(bin)).toBe('torch');
    const model = trainedModel(0.5);
    expect(detectWeightsFormat((await model.toAdapterBytes()).weights)).toBe('safetensors');
    model.dispose();
  });
});

// ---- a static server on 127.0.0.1 for the URL tests --------------------------------------

interface Route {
  status?: number;
  body?: Uint8Array;
  /** Send without Content-Length (chunked), so only counting while reading can find the size. */
  chunked?: boolean;
}

const MAX_REQUESTS = 200;
let server: Server;
let origin: string;
const routes = new Map<string, Route>();
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const route = requests.length > MAX_REQUESTS ? { status: 503 } : routes.get(request.url ?? '');
    if (route === undefined || route.body === undefined) {
      response.writeHead(route?.status ?? 404).end();
      return;
    }
    if (route.chunked) {
      response.writeHead(route.status ?? 200);
      for (let offset = 0; offset < route.body.length; offset += 64) response.write(route.body.subarray(offset, offset + 64));
      response.end();
      return;
    }
    response.writeHead(route.status ?? 200, { 'content-length': route.body.length }).end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  routes.clear();
  requests.length = 0;
});

/** Serves, under `/prefix/`, the folder saveAdapter writes for `model` (read back from disk, as a static host would). */
async function serveSaved(model: PeftModel, prefix: string): Promise<Record<string, Uint8Array>> {
  const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-served-'));
  try {
    await model.saveAdapter(directory);
    const files: Record<string, Uint8Array> = {};
    for (const name of ['adapter_config.json', 'adapter_model.safetensors', '.peftjs-commit.json']) {
      files[name] = await readFile(path.join(directory, name));
      routes.set(`/${prefix}/${name}`, { body: files[name] });
    }
    return files;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

describe('adapters from http(s) URLs', () => {
  test('fromPretrained and loadAdapter fetch a saved folder and give the saved outputs', async () => {
    const model = trainedModel(0.3);
    await serveSaved(model, 'adapter');
    const loaded = await PeftModel.fromPretrained(makeBase(), `${origin}/adapter/`);
    expect(outputOf(loaded)).toEqual(outputOf(model));
    // No trailing slash: still the folder, not its parent.
    await loaded.loadAdapter(new URL(`${origin}/adapter`), 'again', { subfolder: '' });
    loaded.setAdapter('again');
    expect(outputOf(loaded)).toEqual(outputOf(model));
    expect(requests.filter((url) => url.endsWith('adapter_model.safetensors'))).toHaveLength(2);
    loaded.dispose();
    model.dispose();
  });

  test("a 404 for the safetensors weights falls back to older peft's adapter_model.bin", async () => {
    const bin = await readFile(path.join(__dirname, '../../test/fixtures/torch-save/adapter_model.bin'));
    const expected = JSON.parse(await readFile(path.join(__dirname, '../../test/fixtures/torch-save/expected.json'), 'utf8')).files['adapter_model.bin'];
    routes.set('/old/adapter_config.json', { body: new TextEncoder().encode('{"peft_type": "LORA", "r": 2}') });
    routes.set('/old/adapter_model.bin', { body: bin });
    const fetched = await fetchAdapterBytes(new URL(`${origin}/old/`));
    expect(fetched.weightsFormat).toBe('torch');
    expect(fetched.weightsUrl).toBe(`${origin}/old/adapter_model.bin`);
    expect(requests).toEqual(['/old/.peftjs-commit.json', '/old/adapter_config.json', '/old/adapter_model.safetensors', '/old/adapter_model.bin']);
    const decoded = decodeAdapterBytes(fetched);
    for (const [name, { shape, hex }] of Object.entries(expected as Record<string, { shape: number[]; hex: string }>)) {
      expect(decoded.tensors[name].shape).toEqual(shape);
      expect(Buffer.from((decoded.tensors[name].dataSync() as Float32Array).buffer).toString('hex')).toBe(hex);
    }
    tf.dispose(Object.values(decoded.tensors));
  });

  test('weights over maxBytes are refused from Content-Length, and by counting when there is none; a config over 1 MB too', async () => {
    const model = trainedModel(0.3);
    const files = await serveSaved(model, 'big');
    const maxBytes = files['adapter_model.safetensors'].length - 1;
    const base = makeBase();
    const refused = await PeftModel.fromPretrained(base, `${origin}/big/`, 'default', { maxBytes }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AdapterFetchError);
    expect(refused).toMatchObject({ reason: 'TOO_LARGE', url: `${origin}/big/adapter_model.safetensors` });
    expect((refused as Error).message).toContain(`Content-Length ${maxBytes + 1}`);
    routes.set('/big/adapter_model.safetensors', { body: files['adapter_model.safetensors'], chunked: true });
    await expect(PeftModel.fromPretrained(base, `${origin}/big/`, 'default', { maxBytes })).rejects.toMatchObject({ reason: 'TOO_LARGE', message: expect.stringContaining('found more than that after') });
    // Exactly at the limit is fine.
    const loaded = await PeftModel.fromPretrained(base, `${origin}/big/`, 'default', { maxBytes: maxBytes + 1 });
    expect(outputOf(loaded)).toEqual(outputOf(model));
    routes.set('/big/adapter_config.json', { body: new Uint8Array((1 << 20) + 1).fill(0x20), chunked: true });
    await expect(fetchAdapterBytes(new URL(`${origin}/big/`))).rejects.toMatchObject({ reason: 'TOO_LARGE', url: `${origin}/big/adapter_config.json` });
    await expect(fetchAdapterBytes(new URL(`${origin}/big/`), { maxBytes: -1 })).rejects.toThrow(InvalidArgumentError);
    loaded.dispose();
    model.dispose();
  });

  test('HTTP failures are typed errors naming the URL and the status; the model is left as it was', async () => {
    const model = trainedModel(0.3);
    await serveSaved(model, 'broken');
    routes.set('/broken/adapter_model.safetensors', { status: 500 });
    const error = await model.loadAdapter(`${origin}/broken/`, 'other', { subfolder: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterFetchError);
    expect(error).toMatchObject({ reason: 'HTTP_STATUS', status: 500, url: `${origin}/broken/adapter_model.safetensors` });
    expect((error as Error).message).toContain('HTTP 500');
    expect(model.adapterNames).toEqual(['default']);
    await expect(PeftModel.fromPretrained(makeBase(), `${origin}/missing/`)).rejects.toMatchObject({ reason: 'HTTP_STATUS', status: 404, url: `${origin}/missing/adapter_config.json` });
    model.dispose();
  });

  test('a torn pair (config of one save, weights and record of another) is refused with TORN_ADAPTER', async () => {
    const first = trainedModel(0.3);
    const second = trainedModel(0.6);
    const old = await serveSaved(first, 'torn');
    await serveSaved(second, 'torn');
    // Same r and shapes: without the record this pair would load and compute wrong outputs silently.
    routes.set('/torn/adapter_config.json', { body: new TextEncoder().encode(new TextDecoder().decode(old['adapter_config.json']).replace('"init_scale": 0', '"init_scale": 1')) });
    const error = await PeftModel.fromPretrained(makeBase(), `${origin}/torn/`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterFormatError);
    expect(error).toMatchObject({ reason: 'TORN_ADAPTER' });
    expect((error as Error).message).toContain('adapter_config.json comes from a different save');
    first.dispose();
    second.dispose();
  });

  test("with the Cache API (a browser's), a second load reads the cache; a new upload beside it is fetched again", async () => {
    /** The part of the Cache API the loader uses, in memory, as a page's `caches` would hold it. */
    const stored = new Map<string, Uint8Array>();
    const cache = {
      match: async (url: string) => (stored.has(url) ? new Response(stored.get(url) as Uint8Array<ArrayBuffer>) : undefined),
      put: async (url: string, response: Response) => void stored.set(url, new Uint8Array(await response.arrayBuffer())),
      delete: async (url: string) => stored.delete(url),
    };
    const global = globalThis as { caches?: unknown };
    global.caches = { open: async () => cache };
    try {
      const first = trainedModel(0.3);
      await serveSaved(first, 'cached');
      const load = async () => {
        const loaded = await PeftModel.fromPretrained(makeBase(), `${origin}/cached/`);
        const output = outputOf(loaded);
        loaded.dispose();
        return output;
      };
      expect(await load()).toEqual(outputOf(first));
      expect([...stored.keys()]).toEqual([`${origin}/cached/adapter_config.json`, `${origin}/cached/adapter_model.safetensors`]);
      requests.length = 0;
      expect(await load()).toEqual(outputOf(first));
      // Only the record, before and after, goes to the network.
      expect(requests).toEqual(['/cached/.peftjs-commit.json', '/cached/.peftjs-commit.json']);
      const second = trainedModel(0.6);
      await serveSaved(second, 'cached');
      expect(await load()).toEqual(outputOf(second));
      await expect(PeftModel.fromPretrained(makeBase(), `${origin}/cached/`, 'default', { cache: false })).resolves.toBeInstanceOf(PeftModel);
      first.dispose();
      second.dispose();
    } finally {
      delete global.caches;
    }
  });
});
