/**
 * Streamed loading of sharded Hugging Face checkpoints from a folder and from
 * a node:http server on 127.0.0.1 (with and without range requests).
 */
import * as tf from '@tensorflow/tfjs-core';
import { encodeSafetensors, Generator, manualSeed, SafetensorsFormatError } from '@peftjs/core';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exactValues, onBackend } from '../../test/helpers';
import { CheckpointShapeError, CheckpointSourceError } from '../errors';
import { LlamaForCausalLM } from '../llama/causal-lm';
import { llamaConfig, llamaConfigToHF } from '../llama/config';
import { folderSource } from './checkpoint-source';
import { loadPretrainedModel } from './load-pretrained-model';

beforeAll(() => onBackend('cpu'));

const CONFIG = llamaConfig({ vocabSize: 19, maxPositions: 16, hiddenSize: 8, intermediateSize: 12, numLayers: 3, numHeads: 4, numKeyValueHeads: 2, bosTokenId: undefined, eosTokenId: undefined });
const SHARD_DTYPES = ['F32', 'BF16', 'F16'] as const;

function makeModel(): LlamaForCausalLM {
  manualSeed(1);
  const model = new LlamaForCausalLM(CONFIG).eval();
  const rng = new Generator(2);
  // Values exact in F16 and BF16, so every shard's dtype must give back the same numbers.
  for (const [, p] of model.namedParameters()) {
    const values = exactValues(p.shape, rng);
    p.assign(values);
    values.dispose();
  }
  return model;
}

/** The model written as transformers shards it: three files in three dtypes and an index. */
function shardFiles(model: LlamaForCausalLM): Record<string, Uint8Array | string> {
  const names = model.namedParameters().map(([name]) => name);
  const shardOf = (i: number) => `model-0000${1 + Math.floor((i * 3) / names.length)}-of-00003.safetensors`;
  const files: Record<string, Uint8Array | string> = { 'config.json': JSON.stringify({ ...llamaConfigToHF(CONFIG), architectures: ['LlamaForCausalLM'] }) };
  const weightMap: Record<string, string> = {};
  names.forEach((name, i) => (weightMap[name] = shardOf(i)));
  [...new Set(Object.values(weightMap))].forEach((shard, s) => {
    const inShard = Object.fromEntries(model.namedParameters().filter(([name]) => weightMap[name] === shard).map(([name, p]) => [name, p.variable]));
    files[shard] = encodeSafetensors(inShard, { dtypes: Object.fromEntries(Object.keys(inShard).map((k) => [k, SHARD_DTYPES[s]])) });
  });
  files['model.safetensors.index.json'] = JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap });
  return files;
}

async function writeFolder(files: Record<string, Uint8Array | string>): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'peftjs-shards-'));
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(folder, name), content);
  return folder;
}

interface TestServer {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** Serves `folder` on 127.0.0.1; with `ranges`, answers single `bytes=a-b` ranges with 206 as static servers do. */
async function serve(folder: string, ranges: boolean): Promise<TestServer> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      const name = decodeURIComponent((request.url ?? '/').slice(1));
      requests.push(`${name} ${request.headers.range ?? ''}`.trim());
      if (requests.length > 100 || name.includes('/') || name.startsWith('.')) return response.writeHead(400).end();
      let body: Buffer;
      try {
        body = await readFile(path.join(folder, name));
      } catch {
        return response.writeHead(404).end();
      }
      const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
      if (ranges && range) {
        const [start, end] = [Number(range[1]), Math.min(Number(range[2]), body.length - 1)];
        response.writeHead(206, { 'content-range': `bytes ${start}-${end}/${body.length}`, 'content-length': end - start + 1 });
        return response.end(body.subarray(start, end + 1));
      }
      response.writeHead(200, { 'content-length': body.length }).end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const ids = () => tf.tensor2d([[1, 4, 9, 2, 18]], [1, 5], 'int32');
const logitsOf = (model: LlamaForCausalLM) => tf.tidy(() => Array.from(model.call({ inputIds: ids() }).logits.dataSync()));

describe('loadPretrainedModel', () => {
  let original: LlamaForCausalLM;
  let files: Record<string, Uint8Array | string>;
  let folder: string;
  beforeAll(async () => {
    original = makeModel();
    files = shardFiles(original);
    folder = await writeFolder(files);
  });
  afterAll(async () => {
    original.dispose();
    await rm(folder, { recursive: true, force: true });
  });

  test('three shards (F32, BF16, F16) from a folder give the same logits; each shard is read after the previous was freed', async () => {
    const source = folderSource(folder);
    const modelBytes = original.namedParameters().reduce((sum, [, p]) => sum + p.variable.size * 4, 0);
    const before = tf.memory().numBytes;
    const atShardReads: number[] = [];
    const watched = {
      ...source,
      readBytes: (name: string, max: number) => {
        if (name.endsWith('.safetensors')) atShardReads.push(tf.memory().numBytes - before);
        return source.readBytes(name, max);
      },
    };
    const progress: string[] = [];
    const { model, report, files: read } = await loadPretrainedModel(watched, { onProgress: (p) => progress.push(`${p.filesLoaded}/${p.files} ${p.file}`) });
    expect(read).toEqual(['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors']);
    expect(progress).toEqual(read.map((file, i) => `${i + 1}/3 ${file}`));
    expect(report.loaded).toHaveLength(original.namedParameters().length);
    // Before each shard only the model's own tensors exist: no earlier shard is still held.
    expect(atShardReads).toEqual([modelBytes, modelBytes, modelBytes]);
    expect(logitsOf(model as LlamaForCausalLM)).toEqual(logitsOf(original));
    model.dispose();
    expect(tf.memory().numBytes).toBe(before);
  });

  test.each([true, false])('the same from http://127.0.0.1 (range requests: %s)', async (ranges) => {
    const server = await serve(folder, ranges);
    try {
      const { model } = await loadPretrainedModel(server.url);
      expect(logitsOf(model as LlamaForCausalLM)).toEqual(logitsOf(original));
      model.dispose();
      // config, index, then per shard its header (two ranges or one whole read) and its bytes.
      expect(server.requests.slice(0, 2)).toEqual(['config.json', 'model.safetensors.index.json']);
      if (ranges) expect(server.requests).toContain('model-00001-of-00003.safetensors bytes=0-7');
      expect(server.requests.length).toBeLessThanOrEqual(ranges ? 11 : 8);
    } finally {
      await server.close();
    }
  });

  test('a single model.safetensors without an index loads too', async () => {
    const single = await writeFolder({
      'config.json': files['config.json'],
      'model.safetensors': encodeSafetensors(Object.fromEntries(original.namedParameters().map(([n, p]) => [n, p.variable]))),
    });
    const { model, files: read } = await loadPretrainedModel(single);
    expect(read).toEqual(['model.safetensors']);
    expect(logitsOf(model as LlamaForCausalLM)).toEqual(logitsOf(original));
    model.dispose();
    await rm(single, { recursive: true, force: true });
  });

  describe('hostile or broken checkpoints fail before anything is kept', () => {
    const index = () => JSON.parse(files['model.safetensors.index.json'] as string) as { weight_map: Record<string, string> };
    const cases: Array<[string, () => Record<string, Uint8Array | string>, new (...args: never[]) => Error, RegExp]> = [
      ['a shard name with a path', () => {
        const bad = index();
        bad.weight_map['model.norm.weight'] = '../outside.safetensors';
        return { ...files, 'model.safetensors.index.json': JSON.stringify(bad) };
      }, CheckpointSourceError, /expected a shard file name like .* found "\.\.\/outside\.safetensors"/],
      ['a name mapped to a shard that lacks it', () => {
        const bad = index();
        bad.weight_map['model.norm.weight'] = 'model-00001-of-00003.safetensors';
        return { ...files, 'model.safetensors.index.json': JSON.stringify(bad) };
      }, CheckpointSourceError, /the index maps "model\.norm\.weight" to this file, which does not hold it/],
      ['a shape mismatch in the last shard', () => {
        const last = 'model-00003-of-00003.safetensors';
        const wrong = Object.fromEntries(Object.entries(index().weight_map).filter(([, f]) => f === last).map(([n]) => [n, tf.zeros(n === 'lm_head.weight' ? [20, 8] : original.getParameter(n).shape)]));
        const bytes = encodeSafetensors(wrong);
        tf.dispose(Object.values(wrong));
        return { ...files, [last]: bytes };
      }, CheckpointShapeError, /lm_head\.weight/],
      ['a truncated shard', () => {
        const shard = files['model-00002-of-00003.safetensors'] as Uint8Array;
        return { ...files, 'model-00002-of-00003.safetensors': shard.subarray(0, shard.length - 10) };
      }, SafetensorsFormatError, /Invalid safetensors/],
      ['an index that is not JSON', () => ({ ...files, 'model.safetensors.index.json': '{"weight_map": ' }), CheckpointSourceError, /expected JSON/],
      ['no config.json', () => Object.fromEntries(Object.entries(files).filter(([name]) => name !== 'config.json')), CheckpointSourceError, /NOT_FOUND/],
    ];
    test.each(cases)('%s', async (_, make, type, message) => {
      const bad = await writeFolder(make());
      const before = tf.memory();
      await expect(loadPretrainedModel(bad)).rejects.toThrow(type);
      await expect(loadPretrainedModel(bad)).rejects.toThrow(message);
      expect(tf.memory().numTensors).toBe(before.numTensors);
      expect(tf.memory().numBytes).toBe(before.numBytes);
      await rm(bad, { recursive: true, force: true });
    });

    test('a shard over maxShardBytes is refused from its header or its Content-Length, before its weights are read', async () => {
      await expect(loadPretrainedModel(folder, { maxShardBytes: 1000 })).rejects.toThrow(/TOO_LARGE/);
      for (const ranges of [true, false]) {
        const server = await serve(folder, ranges);
        try {
          await expect(loadPretrainedModel(server.url, { maxShardBytes: 1000 })).rejects.toThrow(/TOO_LARGE.*expected at most 1000 bytes/);
        } finally {
          await server.close();
        }
      }
    });
  });
});
