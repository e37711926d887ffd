import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../../errors';
import { AdapterFormatError } from '../errors';
import { TorchFormatError } from '../torch/errors';
import { nodeAtomicWriteFs } from './atomic-write';
import { adapterPaths, listAdapters, loadAdapter, saveAdapter } from './adapter-directory';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'peftjs-adapter-'));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

const config = { peft_type: 'LORA', r: 2, lora_alpha: 4, lora_dropout: 0, target_modules: ['q'] };

function adapterTensors(scale: number) {
  return {
    'base_model.model.q.lora_A.weight': tf.fill([2, 3], scale),
    'base_model.model.q.lora_B.weight': tf.zeros([3, 2]),
  };
}

describe('adapter folders', () => {
  it('put default at the top and other adapters in sub-folders, as peft does', async () => {
    const first = adapterTensors(1);
    const second = adapterTensors(2);
    await saveAdapter(dir, { config, tensors: first, floatPaths: ['/lora_dropout'] });
    await saveAdapter(dir, { config: { ...config, r: 3 }, tensors: second, adapterName: 'task_b' });
    expect((await fsp.readdir(dir)).sort()).toEqual(['.peftjs-commit.json', 'adapter_config.json', 'adapter_model.safetensors', 'task_b']);
    expect(await listAdapters(dir)).toEqual(['default', 'task_b']);
    expect(adapterPaths(dir, 'task_b').configPath).toBe(path.join(dir, 'task_b', 'adapter_config.json'));

    const loaded = await loadAdapter(dir);
    expect(loaded.config).toEqual(config);
    expect(loaded.floatPaths).toEqual(['/lora_dropout']);
    expect(loaded.metadata).toEqual({ format: 'pt' });
    expect(await fsp.readFile(loaded.paths.configPath, 'utf8')).toContain('"lora_dropout": 0.0,');
    const other = await loadAdapter(dir, { adapterName: 'task_b' });
    expect(other.config.r).toBe(3);
    expect(other.tensors['base_model.model.q.lora_A.weight'].arraySync()).toEqual([[2, 2, 2], [2, 2, 2]]);
    tf.dispose([...Object.values(first), ...Object.values(second), ...Object.values(loaded.tensors), ...Object.values(other.tensors)]);
  });

  it('never half-overwrite an existing adapter', async () => {
    const old = adapterTensors(1);
    await saveAdapter(dir, { config, tensors: old });
    const before = await Promise.all(['adapter_config.json', 'adapter_model.safetensors'].map((f) => fsp.readFile(path.join(dir, f))));

    // The config rename (the second) fails after the weights were already replaced.
    let renames = 0;
    const failingFs = { ...nodeAtomicWriteFs, rename: async (a: string, b: string) => (++renames === 2 ? Promise.reject(new Error('disk gone')) : nodeAtomicWriteFs.rename(a, b)) };
    const replacement = adapterTensors(0.5); // not storable as U8
    await expect(saveAdapter(dir, { config: { ...config, r: 9 }, tensors: replacement }, failingFs)).rejects.toThrow('disk gone');
    // Encoding failures happen before anything is written.
    await expect(saveAdapter(dir, { config: { ...config, r: 9 }, tensors: replacement, dtypes: () => 'U8' })).rejects.toThrow(InvalidArgumentError);

    const after = await Promise.all(['adapter_config.json', 'adapter_model.safetensors'].map((f) => fsp.readFile(path.join(dir, f))));
    expect(after).toEqual(before);
    expect((await fsp.readdir(dir)).sort()).toEqual(['.peftjs-commit.json', 'adapter_config.json', 'adapter_model.safetensors']);
    tf.dispose([...Object.values(old), ...Object.values(replacement)]);
  });

  it('read older peft\'s adapter_model.bin where no safetensors file is there, exactly', async () => {
    const fixtures = path.join(__dirname, '../../../test/fixtures/torch-save');
    await fsp.copyFile(path.join(fixtures, 'adapter_model.bin'), path.join(dir, 'adapter_model.bin'));
    await fsp.writeFile(path.join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 2, target_modules: ['query', 'value'] }));
    const expected = JSON.parse(await fsp.readFile(path.join(fixtures, 'expected.json'), 'utf8')).files['adapter_model.bin'];
    const loaded = await loadAdapter(dir);
    expect(Object.keys(loaded.tensors)).toEqual(Object.keys(expected));
    for (const [name, { shape, hex }] of Object.entries(expected as Record<string, { shape: number[]; hex: string }>)) {
      expect(loaded.tensors[name].shape).toEqual(shape);
      expect(Buffer.from((loaded.tensors[name].dataSync() as Float32Array).buffer).toString('hex')).toBe(hex);
    }
    expect(loaded.metadata).toEqual({});
    tf.dispose(Object.values(loaded.tensors));
  });

  it('give typed errors for missing, broken and pickle-only adapters', async () => {
    await expect(loadAdapter(dir)).rejects.toThrow(NotFoundError);
    await expect(listAdapters(path.join(dir, 'nope'))).rejects.toThrow(NotFoundError);
    await fsp.writeFile(path.join(dir, 'adapter_config.json'), '{"peft_type": "LORA"}');
    await fsp.writeFile(path.join(dir, 'adapter_model.bin'), 'pickle');
    // Not a torch.save zip: the restricted reader refuses it with its typed error.
    await expect(loadAdapter(dir)).rejects.toThrow(TorchFormatError);
    await fsp.writeFile(path.join(dir, 'adapter_config.json'), '{"r": 8}');
    await expect(loadAdapter(dir)).rejects.toThrow(AdapterFormatError);
    await expect(saveAdapter(dir, { config, tensors: {}, adapterName: '../escape' })).rejects.toThrow(InvalidArgumentError);
  });
});
