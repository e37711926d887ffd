import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../../errors';
import { SafetensorsFormatError } from '../errors';
import { encodeSafetensors } from '../safetensors/encode';
import { buildSafetensorsFile } from '../safetensors/test-helpers';
import { loadSafetensorsFile, loadSafetensorsFileRaw, readSafetensorsFileHeader, saveSafetensorsFile } from './safetensors-file';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'peftjs-st-'));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('safetensors files', () => {
  it('save then load', async () => {
    const file = path.join(dir, 'model.safetensors');
    const w = tf.tensor([[1, 2], [3, 4]]);
    await saveSafetensorsFile(file, { w }, { metadata: { format: 'pt' }, dtypes: { w: 'F16' } });
    const { tensors, metadata, header } = await loadSafetensorsFile(file);
    expect(metadata).toEqual({ format: 'pt' });
    expect(header.tensors[0].dtype).toBe('F16');
    expect(tensors.w.arraySync()).toEqual([[1, 2], [3, 4]]);
    expect((await loadSafetensorsFileRaw(file)).tensors.w.dtype).toBe('F16');
    tf.dispose([w, tensors.w]);
    expect(await fsp.readdir(dir)).toEqual(['model.safetensors']);
  });

  it('reads just the header of a file', async () => {
    const file = path.join(dir, 'big.safetensors');
    await fsp.writeFile(file, encodeSafetensors({ x: { dtype: 'U8', shape: [100_000], data: new Uint8Array(100_000) } }));
    const header = await readSafetensorsFileHeader(file);
    expect(header.tensors).toEqual([{ name: 'x', dtype: 'U8', shape: [100_000], dataOffsets: [0, 100_000] }]);
    expect(header.fileByteLength).toBe(header.dataStart + 100_000);
  });

  it('gives typed errors for broken and missing files', async () => {
    const broken = path.join(dir, 'broken.safetensors');
    await fsp.writeFile(broken, buildSafetensorsFile('{}', 0, { declaredHeaderLength: 2n ** 40n }));
    await expect(readSafetensorsFileHeader(broken)).rejects.toThrow(expect.objectContaining({ reason: 'HEADER_TOO_LARGE' }));
    await fsp.writeFile(broken, new Uint8Array(3));
    await expect(readSafetensorsFileHeader(broken)).rejects.toThrow(SafetensorsFormatError);
    await expect(loadSafetensorsFile(broken)).rejects.toThrow(SafetensorsFormatError);
    await expect(loadSafetensorsFile(path.join(dir, 'missing'))).rejects.toThrow(NotFoundError);
    await expect(readSafetensorsFileHeader(path.join(dir, 'missing'))).rejects.toThrow(NotFoundError);
  });

  it('leaves an existing file untouched when encoding fails', async () => {
    const file = path.join(dir, 'model.safetensors');
    const ok = tf.tensor([1]);
    await saveSafetensorsFile(file, { ok });
    const before = await fsp.readFile(file);
    const fractional = tf.tensor([1.5]);
    await expect(saveSafetensorsFile(file, { ok: fractional }, { dtypes: { ok: 'I32' } })).rejects.toThrow(InvalidArgumentError);
    expect(await fsp.readFile(file)).toEqual(before);
    expect(await fsp.readdir(dir)).toEqual(['model.safetensors']);
    tf.dispose([ok, fractional]);
  });
});
