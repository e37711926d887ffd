/**
 * A LoHa folder as peft 0.17 writes it loads tensor for tensor and saves back
 * the same keys, shapes and config. Names and shapes are peft's, read off
 * LoHaLayer.create_adapter_parameters (Linear: hada_w1_a [out, r], hada_w1_b
 * [r, in]; effective Conv2d: hada_t1 [r, r, kh, kw], hada_w1_a [r, out],
 * hada_w1_b [r, in]) and get_peft_model_state_dict (the adapter name dropped).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectClose, makeCnn, makeMlp, onBackend, valuesOf } from '../../test/helpers';
import { roundTrip } from '../../test/peft-folder';
import { cp, dense, hadamard, matmul } from '../../test/lycoris-reference';
import { LohaLayer } from './layer';

beforeAll(() => onBackend('cpu'));

const CONFIG = (targets: string[], extra: string) => `{
  "alpha": 6,
  "alpha_pattern": {
    "body.2": 3
  },
  "auto_mapping": null,
  "base_model_name_or_path": null,
  "exclude_modules": null,
  "inference_mode": true,
  "init_weights": true,
  "layers_pattern": null,
  "layers_to_transform": null,
  "module_dropout": 0.0,
  "modules_to_save": null,
  "peft_type": "LOHA",
  "peft_version": "0.17.1",
  "r": 3,
  "rank_dropout": 0.0,
  "rank_pattern": {
    "body.2": 2
  },
  "revision": null,
  "target_modules": [
    ${targets.map((t) => `"${t}"`).join(',\n    ')}
  ],
  "task_type": null,${extra}
  "use_effective_conv2d": false
}`;

test('Linear: rank_pattern and alpha_pattern from the file; every tensor loads as written and saves back under the same key', async () => {
  const p = 'base_model.model.body';
  const model = await roundTrip(() => makeMlp(), CONFIG(['body.2', 'body.0'], ''), {
    [`${p}.0.hada_w1_a`]: [8, 3],
    [`${p}.0.hada_w1_b`]: [3, 6],
    [`${p}.0.hada_w2_a`]: [8, 3],
    [`${p}.0.hada_w2_b`]: [3, 6],
    [`${p}.2.hada_w1_a`]: [8, 2],
    [`${p}.2.hada_w1_b`]: [2, 8],
    [`${p}.2.hada_w2_a`]: [8, 2],
    [`${p}.2.hada_w2_b`]: [2, 8],
  });
  const layer = model.baseModel.getSubmodule('body.2') as unknown as LohaLayer;
  expect(layer.adapterSettings('default')).toMatchObject({ r: 2, alpha: 3, scaling: 1.5 });
  const f = (name: 'hada_w1_a' | 'hada_w1_b' | 'hada_w2_a' | 'hada_w2_b') => dense(layer.factor(name, 'default'));
  const expected = hadamard(matmul(f('hada_w1_a'), f('hada_w1_b')), matmul(f('hada_w2_a'), f('hada_w2_b')), 1.5);
  expectClose(tf.tidy(() => valuesOf(layer.deltaWeight('default'))), Array.from(expected.data), 1e-6, 1e-5);
  model.dispose();
});

test('Conv2D with use_effective_conv2d: hada_t1/hada_t2 load and save under their names', async () => {
  const configText = CONFIG(['0'], '').replace('"use_effective_conv2d": false', '"use_effective_conv2d": true');
  const model = await roundTrip(() => makeCnn(), configText, {
    'base_model.model.0.hada_w1_a': [3, 4],
    'base_model.model.0.hada_w1_b': [3, 3],
    'base_model.model.0.hada_w2_a': [3, 4],
    'base_model.model.0.hada_w2_b': [3, 3],
    'base_model.model.0.hada_t1': [3, 3, 3, 3],
    'base_model.model.0.hada_t2': [3, 3, 3, 3],
  });
  const layer = model.baseModel.getSubmodule('0') as unknown as LohaLayer;
  const f = (name: Parameters<LohaLayer['factor']>[0]) => dense(layer.factor(name, 'default'));
  const expected = hadamard(cp(f('hada_t1'), f('hada_w1_a'), f('hada_w1_b')), cp(f('hada_t2'), f('hada_w2_a'), f('hada_w2_b')), 2);
  expectClose(tf.tidy(() => valuesOf(layer.deltaWeight('default'))), Array.from(expected.data), 1e-6, 1e-5);
  model.dispose();
});
