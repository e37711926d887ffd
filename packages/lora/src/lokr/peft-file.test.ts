/**
 * A LoKr folder as peft 0.17 writes it loads tensor for tensor and saves back
 * the same keys, shapes and config. Names and shapes are peft's, worked out by
 * hand from LoKrLayer.update_layer and create_adapter_parameters (shape
 * ((a, b), (c, d), kh, kw) by factorization; lokr_w1 [a, c] unless
 * decompose_both and r < max(a, c) / 2; lokr_w2 [b, d, kh, kw] when
 * r >= max(b, d) / 2, else the CP form lokr_t2 [r, r, kh, kw], lokr_w2_a
 * [r, b], lokr_w2_b [r, d]) and get_peft_model_state_dict (adapter name dropped).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Linear, Sequential, manualSeed } from '@peftjs/core';
import { expectClose, makeCnn, onBackend, valuesOf } from '../../test/helpers';
import { cp, dense, kronecker, matmul } from '../../test/lycoris-reference';
import { roundTrip } from '../../test/peft-folder';
import { LokrLayer } from './layer';

beforeAll(() => onBackend('cpu'));

const CONFIG = (fields: { r: number; alpha: number; targets: string[]; rankPattern: string; alphaPattern: string; decomposeBoth: boolean; effective: boolean }) => `{
  "alpha": ${fields.alpha},
  "alpha_pattern": ${fields.alphaPattern},
  "auto_mapping": null,
  "base_model_name_or_path": null,
  "decompose_both": ${fields.decomposeBoth},
  "decompose_factor": -1,
  "exclude_modules": null,
  "inference_mode": true,
  "init_weights": true,
  "layers_pattern": null,
  "layers_to_transform": null,
  "module_dropout": 0.0,
  "modules_to_save": null,
  "peft_type": "LOKR",
  "peft_version": "0.17.1",
  "r": ${fields.r},
  "rank_dropout": 0.0,
  "rank_dropout_scale": false,
  "rank_pattern": ${fields.rankPattern},
  "revision": null,
  "target_modules": [
    ${fields.targets.map((t) => `"${t}"`).join(',\n    ')}
  ],
  "task_type": null,
  "use_effective_conv2d": ${fields.effective}
}`;

function referenceDelta(layer: LokrLayer): number[] {
  const f = (name: Parameters<LokrLayer['factor']>[0]) => dense(layer.factor(name, 'default'));
  const w1 = layer.hasFactor('lokr_w1', 'default') ? f('lokr_w1') : matmul(f('lokr_w1_a'), f('lokr_w1_b'));
  const w2 = layer.hasFactor('lokr_w2', 'default')
    ? f('lokr_w2')
    : layer.hasFactor('lokr_t2', 'default')
      ? cp(f('lokr_t2'), f('lokr_w2_a'), f('lokr_w2_b'))
      : matmul(f('lokr_w2_a'), f('lokr_w2_b'));
  return Array.from(kronecker(w1, w2, layer.adapterSettings('default').scaling).data);
}

test('Conv2D with use_effective_conv2d, rank_pattern and alpha_pattern: the CP form and full 4-D w2 by layer', async () => {
  const configText = CONFIG({
    r: 1,
    alpha: 2,
    targets: ['4', '2', '0'],
    rankPattern: '{\n    "4": 2\n  }',
    alphaPattern: '{\n    "2": 3\n  }',
    decomposeBoth: false,
    effective: true,
  });
  const model = await roundTrip(() => makeCnn(), configText, {
    'base_model.model.0.lokr_w1': [2, 1],
    'base_model.model.0.lokr_w2_a': [1, 2],
    'base_model.model.0.lokr_w2_b': [1, 3],
    'base_model.model.0.lokr_t2': [1, 1, 3, 3],
    'base_model.model.2.lokr_w1': [2, 2],
    'base_model.model.2.lokr_w2': [2, 2, 3, 3],
    'base_model.model.4.lokr_w1': [1, 2],
    'base_model.model.4.lokr_w2': [2, 2, 2, 2],
  });
  const scalings = ['0', '2', '4'].map((path) => (model.baseModel.getSubmodule(path) as unknown as LokrLayer).adapterSettings('default').scaling);
  expect(scalings).toEqual([2, 3, 1]);
  for (const path of ['0', '2', '4']) {
    const layer = model.baseModel.getSubmodule(path) as unknown as LokrLayer;
    expectClose(tf.tidy(() => valuesOf(layer.deltaWeight('default'))), referenceDelta(layer), 1e-6, 1e-5);
  }
  model.dispose();
});

test('Linear with decompose_both: lokr_w1_a/_b and lokr_w2_a/_b', async () => {
  const configText = CONFIG({ r: 1, alpha: 2, targets: ['0'], rankPattern: '{}', alphaPattern: '{}', decomposeBoth: true, effective: false });
  const model = await roundTrip(
    () => {
      manualSeed(21);
      return new Sequential(new Linear(16, 24));
    },
    configText,
    {
      'base_model.model.0.lokr_w1_a': [4, 1],
      'base_model.model.0.lokr_w1_b': [1, 4],
      'base_model.model.0.lokr_w2_a': [6, 1],
      'base_model.model.0.lokr_w2_b': [1, 4],
    },
  );
  const layer = model.baseModel.getSubmodule('0') as unknown as LokrLayer;
  expectClose(tf.tidy(() => valuesOf(layer.deltaWeight('default'))), referenceDelta(layer), 1e-6, 1e-5);
  model.dispose();
});
