/**
 * Adapter folders as Python peft writes them, built in tests: the config's
 * JSON text (peft writes `json.dumps(config, indent=2, sort_keys=True)`, its
 * floats with `.0`) and the tensors through core's safetensors encoder.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PeftModel, adapterFileNames, decodeSafetensors, encodeSafetensors, setWarningHandler, type Module } from '@peftjs/core';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { valuesOf } from './helpers';

/** Writes the folder, runs `body` with its path, removes it. */
export async function withPeftFolder<T>(configText: string, tensors: Record<string, tf.Tensor>, body: (directory: string) => Promise<T>): Promise<T> {
  const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-lycoris-'));
  try {
    await writeFile(path.join(directory, 'adapter_config.json'), configText);
    await writeFile(path.join(directory, 'adapter_model.safetensors'), encodeSafetensors(tensors));
    return await body(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

export async function withTemporaryDirectory<T>(body: (directory: string) => Promise<T>): Promise<T> {
  const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-lycoris-out-'));
  try {
    return await body(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** A saved folder's tensors as name -> [shape, values], and its config text. */
export async function readPeftFolder(directory: string): Promise<{ tensors: Map<string, [number[], number[]]>; configText: string }> {
  const decoded = decodeSafetensors(await readFile(path.join(directory, 'adapter_model.safetensors')));
  const tensors = new Map(Object.entries(decoded.tensors).map(([name, t]) => [name, [t.shape, Array.from(t.dataSync())] as [number[], number[]]]));
  tf.dispose(Object.values(decoded.tensors));
  return { tensors, configText: await readFile(path.join(directory, 'adapter_config.json'), 'utf8') };
}

/**
 * Writes a peft folder with tensors of `shapes` (seeded values) and `configText`,
 * loads it into `base()`, checks every tensor loaded as written, saves the
 * adapter again and checks the same keys, shapes, values and config text came
 * out. Returns the loaded model (the caller disposes it).
 */
export async function roundTrip(base: () => Module, configText: string, shapes: Record<string, number[]>): Promise<PeftModel<never, unknown>> {
  const tensors = Object.fromEntries(Object.entries(shapes).map(([name, shape], i) => [name, fixtureTensor(shape, 100 + i)]));
  const written = new Map(Object.entries(tensors).map(([name, t]) => [name, valuesOf(t)]));
  const previous = setWarningHandler(() => undefined);
  try {
    return await withPeftFolder(configText, tensors, async (directory) => {
      const model = (await PeftModel.fromPretrained(base(), directory)) as unknown as PeftModel<never, unknown>;
      const loaded = adapterFileNames(model, 'default');
      expect([...loaded.keys()].sort()).toEqual(Object.keys(shapes).sort());
      for (const [name, [, parameter]] of loaded) expect(valuesOf(parameter.variable)).toEqual(written.get(name));
      await withTemporaryDirectory(async (out) => {
        await model.saveAdapter(out);
        const saved = await readPeftFolder(out);
        expect([...saved.tensors.keys()].sort()).toEqual(Object.keys(shapes).sort());
        for (const [name, [shape, values]] of saved.tensors) {
          expect(shape).toEqual(shapes[name]);
          expect(values).toEqual(written.get(name));
        }
        expect(saved.configText).toBe(configText);
      });
      return model;
    });
  } finally {
    setWarningHandler(previous);
    tf.dispose(Object.values(tensors));
  }
}

/** Seeded values in [-0.5, 0.5) of a shape, so every tensor of a fixture differs. */
export function fixtureTensor(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -0.5, 0.5, 'float32', seed);
}
