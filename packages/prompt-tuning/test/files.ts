/** Adapter folders in a temporary directory, and what peft would read from them. */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeSafetensorsRaw, readSafetensorsHeader } from '@peftjs/core';

export async function withTemporaryDirectory<T>(fn: (directory: string) => Promise<T>): Promise<T> {
  const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-prompt-'));
  try {
    return await fn(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Tensor names and shapes of a saved adapter, and its config. */
export async function readAdapter(directory: string): Promise<{ tensors: Array<[string, number[]]>; config: Record<string, unknown> }> {
  const header = readSafetensorsHeader(await readFile(path.join(directory, 'adapter_model.safetensors')));
  const config = JSON.parse(await readFile(path.join(directory, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  return { tensors: header.tensors.map((t) => [t.name, [...t.shape]]), config };
}

export const listFiles = (directory: string) => readdir(directory);

/** The values of one tensor of a saved adapter. */
export async function readSavedTensor(directory: string, name: string): Promise<number[]> {
  const file = decodeSafetensorsRaw(await readFile(path.join(directory, 'adapter_model.safetensors')));
  return Array.from(file.tensors[name].data as Float32Array);
}
