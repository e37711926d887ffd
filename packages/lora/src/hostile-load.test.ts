/**
 * A LoRA adapter folder from anywhere is untrusted: a config that does not fit
 * its weights, hostile sizes, endless PiSSA iterations, NaN weights. Each fails
 * with a typed error before anything is allocated, and a failed load leaves
 * the model exactly as it was, bit for bit, base weights included.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AdapterTensorMismatchError,
  InvalidArgumentError,
  NotFoundError,
  PeftError,
  PeftModel,
  SafetensorsFormatError,
  ShapeMismatchError,
  decodeSafetensorsRaw,
  encodeSafetensors,
  getPeftModel,
  type Module,
  type RawTensor,
} from '@peftjs/core';
import { makeMlp, mlpInput, onBackend } from '../test/helpers';

beforeAll(() => onBackend('cpu'));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peftjs-lora-hostile-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lora = { peft_type: 'LORA', r: 2, lora_alpha: 4, target_modules: ['body.0', 'body.2'] };

function snapshot(model: Module<never, unknown>): Map<string, Float32Array> {
  return new Map(model.namedParameters().map(([name, p]) => [name, p.variable.dataSync() as Float32Array]));
}

function expectBitIdentical(before: Map<string, Float32Array>, model: Module<never, unknown>): void {
  const after = snapshot(model);
  expect([...after.keys()]).toEqual([...before.keys()]);
  for (const [name, values] of before) expect(Buffer.from(after.get(name)!.buffer).equals(Buffer.from(values.buffer))).toBe(true);
}

/** Saves a trained-looking LoRA adapter, then rewrites its config with `changes`. */
async function savedAdapter(changes: Record<string, unknown>, config: Record<string, unknown> = lora): Promise<void> {
  const model = getPeftModel(makeMlp(1), config);
  await model.saveAdapter(dir);
  model.unload();
  const file = path.join(dir, 'adapter_config.json');
  const written = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(file, JSON.stringify({ ...written, ...changes }));
}

describe('a failed LoRA load leaves the model as it was', () => {
  test('a PiSSA config whose file has other shapes: base weights restored bit for bit, outputs unchanged', async () => {
    await savedAdapter({ init_lora_weights: 'pissa', r: 2 });
    // Weights of rank 3 under a config of rank 2: PiSSA would rewrite the base before the shapes were compared.
    const other = getPeftModel(makeMlp(1), { ...lora, r: 3 });
    await other.saveAdapter(path.join(dir, 'r3'));
    other.unload();
    await writeFile(path.join(dir, 'r3', 'adapter_config.json'), await readFile(path.join(dir, 'adapter_config.json')));

    const base = makeMlp(2);
    const before = snapshot(base as unknown as Module<never, unknown>);
    const x = mlpInput();
    const output = base.call(x);
    const error = await PeftModel.fromPretrained(base, path.join(dir, 'r3')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShapeMismatchError);
    expect((error as Error).message).toMatch(/lora_A\.weight'.*expected shape \[2, 6\], found \[3, 6\]/);
    expectBitIdentical(before, base as unknown as Module<never, unknown>);
    const again = base.call(x);
    expect(Buffer.from(again.dataSync().buffer).equals(Buffer.from(output.dataSync().buffer))).toBe(true);
    tf.dispose([x, output, again]);
  });

  test('a PiSSA adapter whose file fails after injection (a tensor it does not expect) also restores the base', async () => {
    await savedAdapter({ init_lora_weights: 'pissa', modules_to_save: ['head'] });
    // The file lacks head's copy: planned LoRA shapes fit, the failure comes after PiSSA ran.
    const model = getPeftModel(makeMlp(3), { ...lora, init_lora_weights: 'pissa' });
    const before = snapshot(model.baseModel as unknown as Module<never, unknown>);
    const error = await model.loadAdapter(dir, 'second', { subfolder: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PeftError);
    expect((error as PeftError).code).toBe('ADAPTER_TENSOR_MISMATCH');
    expect(model.adapterNames).toEqual(['default']);
    expectBitIdentical(before, model.baseModel as unknown as Module<never, unknown>);
  });

  test('r = 2e6 in the config fails on the header, before anything is allocated', async () => {
    await savedAdapter({ r: 2_000_000 });
    const base = makeMlp(2);
    const tensorsBefore = tf.memory().numTensors;
    const error = await PeftModel.fromPretrained(base, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShapeMismatchError);
    expect((error as Error).message).toMatch(/expected shape \[2000000, 6\], found \[2, 6\]/);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  test('r = 1e9 is a typed error that says the size, not a RangeError', async () => {
    await savedAdapter({ r: 1e9 });
    const error = await PeftModel.fromPretrained(makeMlp(2), dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/would have shape \[1000000000, 6\].*at most 2147483647 elements/);
    // The same without a file.
    expect(() => getPeftModel(makeMlp(2), { ...lora, r: 1e9 })).toThrow(InvalidArgumentError);
  });

  test('pissa_niter_100000000 is refused at parse time instead of hanging', async () => {
    await savedAdapter({ init_lora_weights: 'pissa_niter_100000000' });
    const error = await PeftModel.fromPretrained(makeMlp(2), dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/1 <= n <= 1000 subspace iterations.*found 100000000/);
  });

  test('NaN weights are refused by default, naming the tensor; allowNonFinite loads them', async () => {
    const model = getPeftModel(makeMlp(1), lora);
    const a = model.adapterState('default').find(([p]) => p.endsWith('body.0.lora_A.default.weight'))![1];
    a.assign(tf.tidy(() => tf.fill(a.shape, NaN)));
    await model.saveAdapter(dir);
    model.unload();
    const error = await PeftModel.fromPretrained(makeMlp(2), dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetensorsFormatError);
    expect((error as SafetensorsFormatError).reason).toBe('NON_FINITE');
    expect((error as Error).message).toMatch(/'base_model\.model\.body\.0\.lora_A\.weight'|"base_model\.model\.body\.0\.lora_A\.weight"/);
    const loaded = await PeftModel.fromPretrained(makeMlp(2), dir, 'default', { allowNonFinite: true });
    expect(loaded.adapterNames).toEqual(['default']);
  });
});

describe('modules both adapted and saved whole', () => {
  test('are a typed error, with nothing left behind (found by the config fuzz)', async () => {
    await savedAdapter({ modules_to_save: ['nope', 'body.0'] });
    const base = makeMlp(2);
    const before = snapshot(base as unknown as Module<never, unknown>);
    const tensorsBefore = tf.memory().numTensors;
    const error = await PeftModel.fromPretrained(base, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/modules_to_save: 'body\.0' is adapted by LORA; a module is either adapted or saved whole/);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expectBitIdentical(before, base as unknown as Module<never, unknown>);
  });
});

describe('names from files are data', () => {
  test("tensors named 'constructor' and '__proto__' are reported as unexpected, nothing else", async () => {
    await savedAdapter({});
    const file = path.join(dir, 'adapter_model.safetensors');
    const { tensors } = decodeSafetensorsRaw(await readFile(file));
    const withHostileNames: Record<string, RawTensor> = Object.create(null);
    Object.assign(withHostileNames, tensors);
    for (const name of ['constructor', '__proto__', 'toString']) withHostileNames[name] = { dtype: 'F32', shape: [1], data: new Float32Array([1]) };
    await writeFile(file, encodeSafetensors(withHostileNames, { metadata: { format: 'pt' } }));
    const error = await PeftModel.fromPretrained(makeMlp(2), dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterTensorMismatchError);
    expect((error as Error).message).toMatch(/missing \[\], unexpected \[__proto__, constructor, toString\]/);
  });
});

describe('saving and loading by name', () => {
  test('saveAdapter validates every name before writing anything', async () => {
    const model = getPeftModel(makeMlp(1), lora);
    const error = await model.saveAdapter(dir, { adapterNames: ['default', 'defualt_2'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toMatch(/no adapter named 'defualt_2'.*Closest names: default/);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dir)).toEqual([]);
  });

  test('a top-level adapter folder loads under a second name with subfolder ""', async () => {
    await savedAdapter({});
    const model = getPeftModel(makeMlp(2), lora);
    await expect(model.loadAdapter(dir, 'second')).rejects.toThrow(NotFoundError);
    await model.loadAdapter(dir, 'second', { subfolder: '' });
    expect(model.adapterNames).toEqual(['default', 'second']);
    await expect(model.loadAdapter(dir, 'third', { subfolder: '../escape' })).rejects.toThrow(InvalidArgumentError);
  });
});
