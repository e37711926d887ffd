import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, InvalidPatternError, NotFoundError, PeftModel, adapterFileNames, getPeftModel, saveAdapterFiles, setWarningHandler, type Module } from '@peftjs/core';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectClose, makeBert, makeGpt2, makeSmallNet, onBackend, outputOf, perturb, smallInput } from '../../test/helpers';
import { PlacementError } from '../errors';
import { ia3ConfigSchema } from './config';
import { IA3Layer } from './layer';

beforeAll(() => onBackend('cpu'));

const shapes = (model: PeftModel<never, unknown>) => model.adapterState('default').map(([name, p]) => `${name} [${p.shape.join(',')}]`);

describe('IA3', () => {
  test("GPT-2 defaults follow peft: c_attn (all of q, k, v: it is fused) scaled on its output, mlp.c_proj on its input", () => {
    const model = getPeftModel(makeGpt2(), { peft_type: 'IA3', fan_in_fan_out: true });
    expect(shapes(model as never)).toEqual([
      'base_model.model.transformer.h.0.attn.c_attn.ia3_l.default [48,1]',
      'base_model.model.transformer.h.0.mlp.c_proj.ia3_l.default [1,64]',
      'base_model.model.transformer.h.1.attn.c_attn.ia3_l.default [48,1]',
      'base_model.model.transformer.h.1.mlp.c_proj.ia3_l.default [1,64]',
    ]);
    // peft's file names: the adapter name dropped after ia3_l.
    expect([...adapterFileNames(model as never, 'default').keys()][0]).toBe('base_model.model.transformer.h.0.attn.c_attn.ia3_l');
    expect(model.peftConfig.default).toMatchObject({ target_modules: ['c_attn', 'mlp.c_proj'], feedforward_modules: ['mlp.c_proj'] });
    model.dispose();
  });

  test("BERT defaults follow peft: key, value, output.dense (which also matches attention.output.dense) feed-forward", () => {
    const model = getPeftModel(makeBert(), { peft_type: 'IA3' });
    expect(shapes(model as never).slice(0, 4)).toEqual([
      'base_model.model.encoder.layer.0.attention.self.key.ia3_l.default [16,1]',
      'base_model.model.encoder.layer.0.attention.self.value.ia3_l.default [16,1]',
      'base_model.model.encoder.layer.0.attention.output.dense.ia3_l.default [1,16]',
      'base_model.model.encoder.layer.0.output.dense.ia3_l.default [1,32]',
    ]);
    model.dispose();
  });

  test('scales the output (y * l) or, feed-forward, the input (W(x * l) + b)', () => {
    for (const feedForward of [false, true]) {
      const base = makeSmallNet();
      const linear = base.getSubmodule('2') as unknown as Module & { weight: { variable: tf.Tensor }; bias: { variable: tf.Tensor } };
      const model = getPeftModel(base, { peft_type: 'IA3', target_modules: ['2'], feedforward_modules: feedForward ? ['2'] : [] });
      perturb(model.adapterState('default'), 3);
      const l = model.adapterState('default')[0][1].variable;
      const x = smallInput();
      const expected = tf.tidy(() => {
        const h = tf.tanh((model.baseModel.getSubmodule('0') as Module).call(x));
        const scale = tf.reshape(l, [-1]);
        const y = (v: tf.Tensor) => tf.add(tf.matMul(v, linear.weight.variable, false, true), linear.bias.variable);
        return Array.from((feedForward ? y(tf.mul(h, scale)) : tf.mul(y(h), scale)).dataSync());
      });
      expectClose(outputOf(model as never, () => smallInput()), expected);
      x.dispose();
      model.dispose();
    }
  });

  test('several active adapters multiply; merging them all matches and unmerging restores', () => {
    const model = getPeftModel(makeSmallNet(), { peft_type: 'IA3', target_modules: ['0', '2'], feedforward_modules: ['2'] }, 'a');
    model.addAdapter('b', { peft_type: 'IA3', target_modules: ['0', '2'], feedforward_modules: ['2'] });
    perturb(model.adapterState('a'), 1, 0.2);
    perturb(model.adapterState('b'), 2, 0.2);
    model.setAdapter(['a', 'b']);
    const unmerged = outputOf(model as never, () => smallInput());
    const weights = model.baseModel.parameters().map((p) => Array.from(p.variable.dataSync()));
    model.mergeAdapter();
    expect(model.adapterLayers().every((layer) => layer.mergedAdapters().length === 2)).toBe(true);
    expectClose(outputOf(model as never, () => smallInput()), unmerged, 1e-5, 1e-4);
    model.unmergeAdapter();
    model.baseModel.parameters().forEach((p, i) => expectClose(Array.from(p.variable.dataSync()), weights[i], 1e-6, 1e-5));
    model.dispose();
  });

  test("the saved config has the keys every peft with IA3 knows (exclude_modules, newer, only when set); init_ia3_weights false starts random", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-ia3-'));
    try {
      const model = getPeftModel(makeGpt2(), { peft_type: 'IA3', fan_in_fan_out: true, init_ia3_weights: false, modules_to_save: ['lm_head'] });
      const values = Array.from(model.adapterState('default')[0][1].variable.dataSync());
      expect(values.some((v) => v !== 1)).toBe(true);
      await model.saveAdapter(directory);
      const config = JSON.parse(await readFile(path.join(directory, 'adapter_config.json'), 'utf8'));
      expect(Object.keys(config).sort()).toEqual(
        [
          'auto_mapping',
          'base_model_name_or_path',
          'fan_in_fan_out',
          'feedforward_modules',
          'inference_mode',
          'init_ia3_weights',
          'modules_to_save',
          'peft_type',
          'revision',
          'target_modules',
          'task_type',
        ].sort(),
      );
      model.dispose();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  test("loads a folder as peft writes it for GPT-2 (set-ordered target_modules, newer keys), and scales as it says", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-ia3-peft-'));
    const warnings: string[] = [];
    const previous = setWarningHandler((message) => warnings.push(message));
    try {
      const config = {
        auto_mapping: null,
        base_model_name_or_path: 'gpt2',
        exclude_modules: null,
        fan_in_fan_out: true,
        feedforward_modules: ['mlp.c_proj'],
        inference_mode: true,
        init_ia3_weights: true,
        modules_to_save: null,
        peft_type: 'IA3',
        peft_version: '0.17.0',
        revision: null,
        target_modules: ['mlp.c_proj', 'c_attn'],
        task_type: 'CAUSAL_LM',
      };
      const tensors: Record<string, tf.Tensor> = {};
      for (const layer of [0, 1]) {
        tensors[`base_model.model.transformer.h.${layer}.attn.c_attn.ia3_l`] = tf.fill([48, 1], 2);
        tensors[`base_model.model.transformer.h.${layer}.mlp.c_proj.ia3_l`] = tf.fill([1, 64], 0.5);
      }
      await saveAdapterFiles(directory, { config, tensors });
      tf.dispose(Object.values(tensors));
      const model = await PeftModel.fromPretrained(makeGpt2(), directory);
      expect(warnings).toEqual([expect.stringContaining('unknown keys kept as they are (from a newer peft version?): peft_version')]);
      const cAttn = model.baseModel.getSubmodule('transformer.h.0.attn.c_attn') as IA3Layer;
      expect([cAttn.isFeedForward, (model.baseModel.getSubmodule('transformer.h.1.mlp.c_proj') as IA3Layer).isFeedForward]).toEqual([false, true]);
      expect(Array.from(cAttn.scales.get('default').variable.dataSync().slice(0, 3))).toEqual([2, 2, 2]);
      model.dispose();
    } finally {
      setWarningHandler(previous);
      await rm(directory, { recursive: true, force: true });
    }
  });

  test('bad input: typed errors, the model left as it was', () => {
    expect(() => getPeftModel(makeSmallNet(), { peft_type: 'IA3', target_modules: ['0'], feedforward_modules: ['2'] })).toThrow(
      /feedforward_modules': expected a subset of target_modules \[0\], found \[2\] outside it/,
    );
    expect(() => getPeftModel(makeSmallNet(), { peft_type: 'IA3' })).toThrow(/must be given for a Sequential/);
    expect(() => getPeftModel(makeSmallNet(), { peft_type: 'IA3', target_modules: ['c_attn'], feedforward_modules: [] })).toThrow(NotFoundError);
    const model = getPeftModel(makeSmallNet(), { peft_type: 'IA3', target_modules: ['2'], feedforward_modules: [] });
    expect(() => model.addAdapter('x', { peft_type: 'IA3', target_modules: ['0', '2'], feedforward_modules: ['2'] })).toThrow(InvalidArgumentError);
    model.addAdapter('bottleneck', { peft_type: 'BOTTLENECK', reduction_factor: 2, placement: [{ module: '0', position: 'after' }] });
    expect(() => model.addAdapter('y', { peft_type: 'IA3', target_modules: ['0', '2'], feedforward_modules: [] })).toThrow(PlacementError);
    expect(model.adapterNames).toEqual(['default', 'bottleneck']);
    expect(model.baseModel.getSubmodule('2')).toBeInstanceOf(IA3Layer);
    model.dispose();
  });

  test('regex fields are checked when the config is parsed, naming the field; regexes match in bounded time', () => {
    for (const key of ['target_modules', 'exclude_modules', 'feedforward_modules']) {
      const parse = () => ia3ConfigSchema.parse({ target_modules: ['2'], feedforward_modules: [], [key]: '2|([' });
      expect(parse).toThrow(InvalidPatternError);
      expect(parse).toThrow(`${key}: invalid regex "2|([" at position 3: unterminated character set`);
    }
    const model = getPeftModel(makeSmallNet(), { peft_type: 'IA3', target_modules: '[02]', exclude_modules: '(.*.*)*X', feedforward_modules: '(a|a)*b|2' });
    expect(model.adapterState('default').map(([name]) => name)).toEqual(['base_model.model.0.ia3_l.default', 'base_model.model.2.ia3_l.default']);
    expect((model.baseModel.getSubmodule('2') as unknown as IA3Layer).isFeedForward).toBe(true);
    model.dispose();
  });

  test("a Linear with fan_in_fan_out true warns, as peft does, through core's warning handler", () => {
    const warnings: string[] = [];
    const previous = setWarningHandler((message) => warnings.push(message));
    try {
      getPeftModel(makeSmallNet(), { peft_type: 'IA3', target_modules: ['2'], feedforward_modules: [], fan_in_fan_out: true }).dispose();
    } finally {
      setWarningHandler(previous);
    }
    expect(warnings).toEqual(["IA3: fan_in_fan_out is true but '2' is a Linear (weight [out, in]); using false for it, as peft does"]);
  });
});
