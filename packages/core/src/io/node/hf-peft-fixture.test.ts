/**
 * A real adapter written by Python peft (see ../shared/fixtures/hf-peft/README.md):
 * GPT-2, LoRA r=8 on every c_attn, sequence classification with the `score` head
 * saved whole. peft added `score` to modules_to_save itself (task SEQ_CLS), so the
 * config says `modules_to_save: null` while the file holds `score.weight`.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sharedFixture } from '../../../test/shared-fixtures';
import { formatAdapterConfig } from '../peft/adapter-config';
import { fromPeftFileState, toPeftFileState } from '../peft/tensor-names';
import { encodeSafetensors } from '../safetensors/encode';
import { listAdapters, loadAdapter, saveAdapter, type LoadedAdapter } from './adapter-directory';
import { readSafetensorsFileHeader } from './safetensors-file';

const fixture = sharedFixture('hf-peft/gpt2-lora-c_attn');
const FIXTURE = fixture.path;

let adapter: LoadedAdapter;

beforeAll(async () => {
  if (!fixture.present && process.env.CI !== 'true') return; // the tests below are skipped, with the reason
  fixture.requireUnderCi();
  await tf.setBackend('cpu');
  adapter = await loadAdapter(FIXTURE);
});

afterAll(() => {
  if (adapter) tf.dispose(Object.values(adapter.tensors));
});

const EXPECTED_SHAPES: Record<string, number[]> = { 'base_model.model.score.weight': [6, 768] };
for (let layer = 0; layer < 12; layer++) {
  EXPECTED_SHAPES[`base_model.model.transformer.h.${layer}.attn.c_attn.lora_A.weight`] = [8, 768];
  EXPECTED_SHAPES[`base_model.model.transformer.h.${layer}.attn.c_attn.lora_B.weight`] = [2304, 8];
}

fixture.describe('the peft GPT-2 LoRA adapter', () => {
  it('has the config peft wrote', () => {
    expect(adapter.config).toMatchObject({
      peft_type: 'LORA',
      task_type: 'SEQ_CLS',
      base_model_name_or_path: 'gpt2',
      r: 8,
      lora_alpha: 8,
      lora_dropout: 0,
      fan_in_fan_out: true,
      target_modules: ['c_attn'],
      modules_to_save: null,
      bias: 'none',
    });
    expect(adapter.floatPaths).toEqual(['/lora_dropout']);
    expect(adapter.metadata).toEqual({ format: 'pt' });
    expect(adapter.adapterName).toBe('default');
  });

  it('has 24 LoRA tensors and the score head, with the expected shapes and finite values', () => {
    expect(Object.keys(adapter.tensors).sort()).toEqual(Object.keys(EXPECTED_SHAPES).sort());
    for (const [name, tensor] of Object.entries(adapter.tensors)) {
      expect([name, tensor.shape]).toEqual([name, EXPECTED_SHAPES[name]]);
      expect(tensor.dtype).toBe('float32');
      const values = tensor.dataSync();
      expect(values.every(Number.isFinite)).toBe(true);
    }
    // Trained, not freshly initialised: lora_B starts at zero in peft.
    const loraB = adapter.tensors['base_model.model.transformer.h.0.attn.c_attn.lora_B.weight'];
    expect(tf.tidy(() => tf.max(tf.abs(loraB)).dataSync()[0])).toBeGreaterThan(0);
  });

  it('maps to in-memory names with the adapter name and back', () => {
    const naming = { adapterName: 'default', tensorKeyPrefixes: ['lora_'], modulesToSave: ['score'] };
    const memory = fromPeftFileState(adapter.tensors, naming);
    expect(memory['transformer.h.0.attn.c_attn.lora_A.default.weight'].shape).toEqual([8, 768]);
    expect(memory['score.modules_to_save.default.weight'].shape).toEqual([6, 768]);
    expect(Object.keys(toPeftFileState(memory, naming)).sort()).toEqual(Object.keys(EXPECTED_SHAPES).sort());
  });

  it('is re-written byte for byte by our writers', async () => {
    const weights = await fsp.readFile(path.join(FIXTURE, 'adapter_model.safetensors'));
    const configText = await fsp.readFile(path.join(FIXTURE, 'adapter_config.json'), 'utf8');
    expect(Buffer.from(encodeSafetensors(adapter.tensors, { metadata: adapter.metadata })).equals(weights)).toBe(true);
    expect(formatAdapterConfig(adapter.config, { floatPaths: adapter.floatPaths })).toBe(configText);

    const out = await fsp.mkdtemp(path.join(os.tmpdir(), 'peftjs-fixture-'));
    try {
      const paths = await saveAdapter(out, { config: adapter.config, tensors: adapter.tensors, floatPaths: adapter.floatPaths });
      expect((await fsp.readFile(paths.weightsPath)).equals(weights)).toBe(true);
      expect(await fsp.readFile(paths.configPath, 'utf8')).toBe(configText);
    } finally {
      await fsp.rm(out, { recursive: true, force: true });
    }
  });

  it('can be inspected without loading the weights', async () => {
    const header = await readSafetensorsFileHeader(path.join(FIXTURE, 'adapter_model.safetensors'));
    expect(header.tensors).toHaveLength(25);
    expect(header.headerByteLength % 8).toBe(0);
    expect(await listAdapters(FIXTURE)).toEqual(['default']);
  });
});
