import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { getPeftModel, PeftModel, type AdapterBytes } from '@peftjs/core';
import { expectClose, makeMlp, mlpInput, onBackend, outputOf } from '../../test/helpers';
import { HotswapError } from '../errors';
import type { LoraLayer } from '../layer/lora-layer';
import { forwardMixedBatch, hotswapAdapter, prepareForHotswap } from '..';

beforeAll(() => onBackend('cpu'));

const ALL = ['body.0', 'body.2', 'head'];
// init_lora_weights false: B is random too, so every adapter changes the output.
const config = (r: number, alpha: number, extra: Record<string, unknown> = {}) => ({
  peft_type: 'LORA',
  target_modules: ALL,
  init_lora_weights: false,
  r,
  lora_alpha: alpha,
  ...extra,
});

/** An adapter trained elsewhere: its files' bytes and the output a model with only it gives. */
async function adapterOf(cfg: Record<string, unknown>, seed: number): Promise<{ bytes: AdapterBytes; output: number[] }> {
  tf.util.assert(seed !== 42, () => 'seed 42 is the served model');
  const model = getPeftModel(makeMlp(), cfg);
  // Different factors per adapter: rewrite them from a seeded generator.
  for (const [, parameter] of model.namedParameters().filter(([path]) => path.includes('lora_'))) {
    const values = tf.randomNormal(parameter.shape, 0, 0.5, 'float32', seed++);
    parameter.assign(values);
    values.dispose();
  }
  const result = { bytes: await model.toAdapterBytes(), output: outputOf(model, mlpInput) };
  model.dispose();
  return result;
}

const shapesOf = (model: PeftModel) => model.namedParameters().map(([path, p]) => [path, [...p.shape]]);

describe('hotswapAdapter', () => {
  test('swapping adapters of other ranks and alphas into padded tensors gives each adapter output exactly; shapes never change', async () => {
    const first = await adapterOf(config(2, 4), 1);
    const second = await adapterOf(config(4, 3, { target_modules: ['body.2', 'head'] }), 100);
    const third = await adapterOf(config(3, 7, { rank_pattern: { head: 1 }, alpha_pattern: {} }), 200);
    const served = await PeftModel.fromAdapterBytes(makeMlp(), first.bytes);
    expectClose(outputOf(served, mlpInput), first.output, 1e-6);

    prepareForHotswap(served, 4);
    // Zero padding leaves the output as it was.
    expectClose(outputOf(served, mlpInput), first.output, 1e-6);
    const shapes = shapesOf(served);
    const before = tf.memory().numTensors;

    await hotswapAdapter(served, second.bytes);
    expectClose(outputOf(served, mlpInput), second.output, 1e-5);
    // body.0 is not in the second adapter: its factors are zero now, as peft does.
    const body0 = served.baseModel.getSubmodule('body.0') as unknown as LoraLayer;
    expect(tf.tidy(() => tf.max(tf.abs(body0.deltaMatrix('default'))).dataSync()[0])).toBe(0);

    await hotswapAdapter(served, third.bytes);
    expectClose(outputOf(served, mlpInput), third.output, 1e-5);
    await hotswapAdapter(served, first.bytes);
    expectClose(outputOf(served, mlpInput), first.output, 1e-5);

    expect(shapesOf(served)).toEqual(shapes);
    // Its config no longer describes its tensors: saving would write another adapter.
    await expect(served.toAdapterBytes()).rejects.toThrow(/hotswapped or rank-padded weights at 'base_model.model.body.0'/);
    expect(tf.memory().numTensors).toBe(before);
    served.dispose();
  });

  test.each(['gather', 'segment'] as const)('a swapped, padded adapter serves in a mixed batch beside another (%s)', async (strategy) => {
    const served = await PeftModel.fromAdapterBytes(makeMlp(), (await adapterOf(config(2, 4), 1)).bytes);
    await served.loadAdapterBytes((await adapterOf(config(3, 2), 300)).bytes, 'other');
    prepareForHotswap(served, 5);
    const swapped = await adapterOf(config(5, 6, { target_modules: ['head'] }), 400);
    await hotswapAdapter(served, swapped.bytes);
    const rows = ['default', 'other', 'default'];
    const mixed = tf.tidy(() => forwardMixedBatch(served, mlpInput(), rows, { strategy }).arraySync() as number[][]);
    served.setAdapter('other');
    const other = tf.tidy(() => served.call(mlpInput()).arraySync() as number[][]);
    const width = mixed[0].length;
    expectClose(mixed[0], swapped.output.slice(0, width), 1e-5);
    expectClose(mixed[1], other[1], 1e-5);
    expectClose(mixed[2], swapped.output.slice(2 * width, 3 * width), 1e-5);
    served.dispose();
  });

  test('reads the new adapter from a peft folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peftjs-hotswap-'));
    try {
      const second = getPeftModel(makeMlp(), config(2, 5));
      for (const [, parameter] of second.namedParameters().filter(([path]) => path.includes('lora_'))) parameter.assign(tf.onesLike(parameter.variable));
      await second.saveAdapter(dir);
      const expected = outputOf(second, mlpInput);
      second.dispose();
      const served = getPeftModel(makeMlp(), config(2, 5));
      await hotswapAdapter(served, dir);
      expectClose(outputOf(served, mlpInput), expected, 1e-5);
      served.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('refuses, and leaves the loaded adapter exactly as it was', () => {
    let served: PeftModel;
    let output: number[];
    beforeEach(async () => {
      served = await PeftModel.fromAdapterBytes(makeMlp(), (await adapterOf(config(2, 4), 1)).bytes);
      prepareForHotswap(served, 3);
      output = outputOf(served, mlpInput);
    });
    afterEach(() => served.dispose());

    const expectRefused = async (bytes: AdapterBytes, message: RegExp) => {
      const before = tf.memory().numTensors;
      await expect(hotswapAdapter(served, bytes)).rejects.toThrow(HotswapError);
      await expect(hotswapAdapter(served, bytes)).rejects.toThrow(message);
      expect(tf.memory().numTensors).toBe(before);
      expect(outputOf(served, mlpInput)).toEqual(output);
    };

    test('a rank above the padded one', async () => {
      await expectRefused((await adapterOf(config(4, 4), 5)).bytes, /larger rank: pad the loaded adapter with prepareForHotswap/);
    });
    test('a module the loaded adapter does not adapt', async () => {
      const loaded = await PeftModel.fromAdapterBytes(makeMlp(), (await adapterOf(config(2, 4, { target_modules: ['body.0'] }), 1)).bytes);
      const bytes = (await adapterOf(config(2, 4), 7)).bytes;
      await expect(hotswapAdapter(loaded, bytes)).rejects.toThrow(/modules the loaded one does not adapt/);
      loaded.dispose();
    });
    test('DoRA against LoRA, and another lora_dropout', async () => {
      await expectRefused((await adapterOf(config(2, 4, { use_dora: true }), 9)).bytes, /'use_dora' differs/);
      await expectRefused((await adapterOf(config(2, 4, { lora_dropout: 0.1 }), 9)).bytes, /'lora_dropout' differs/);
    });
    test('a config whose rank is not the file rank', async () => {
      const { bytes } = await adapterOf(config(2, 4), 11);
      const lying = JSON.parse(new TextDecoder().decode(bytes.config)) as Record<string, unknown>;
      lying.r = 3;
      await expectRefused({ config: new TextEncoder().encode(JSON.stringify(lying)), weights: bytes.weights }, /gives rank 3 but its lora_A has 2 rows/);
    });
    test('a merged adapter', async () => {
      const fresh = await PeftModel.fromAdapterBytes(makeMlp(), (await adapterOf(config(2, 4), 1)).bytes);
      fresh.mergeAdapter();
      await expect(hotswapAdapter(fresh, (await adapterOf(config(2, 4), 13)).bytes)).rejects.toThrow(/merged into/);
      fresh.dispose();
    });
  });

  test('prepareForHotswap refuses a target below the loaded rank', async () => {
    const served = await PeftModel.fromAdapterBytes(makeMlp(), (await adapterOf(config(4, 4), 1)).bytes);
    expect(() => prepareForHotswap(served, 2)).toThrow(/already has rank 4 > target rank 2/);
    served.dispose();
  });
});
