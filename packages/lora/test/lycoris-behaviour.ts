/**
 * Behaviours LoHa and LoKr share, as one suite each method's tests run: rank
 * and module dropout in training only, mixed-adapter batches, memory flat
 * across training steps, bad targets and files refused with typed errors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Activation, Embedding, Linear, NotFoundError, PeftError, PeftModel, Sequential, forwardMixedBatch, getPeftModel, manualSeed, type Module } from '@peftjs/core';
import { UnsupportedLayerError } from '../src/errors';
import type { LycorisLayer } from '../src/lycoris/layer';
import { expectClose, makeMlp, mlpInput, outputOf, valuesOf } from './helpers';
import { fixtureTensor, withPeftFolder } from './peft-folder';

export interface LycorisSuite {
  readonly method: 'LOHA' | 'LOKR';
  /** A config (peft's keys) with non-zero ΔW on makeMlp(). */
  readonly config: Record<string, unknown>;
}

/** Per output column, (y - base) / (x ΔW^T): 0 for dropped rows of ΔW, the rescale factor for kept ones. */
function columnRatios(layer: LycorisLayer, x: tf.Tensor): number[] {
  return tf.tidy(() => {
    const full = tf.matMul(x, layer.deltaWeight('default'), false, true);
    const added = tf.sub(layer.call(x), layer.baseLayer.call(x));
    const [rows, columns] = full.shape as [number, number];
    const a = full.dataSync();
    const d = added.dataSync();
    return Array.from({ length: columns }, (_, j) => {
      const ratios = Array.from({ length: rows }, (_, i) => d[i * columns + j] / a[i * columns + j]);
      const spread = Math.max(...ratios) - Math.min(...ratios);
      if (spread > 1e-3) throw new Error(`column ${j}: rows scaled differently (${ratios.join(', ')})`);
      return ratios[0];
    });
  });
}

export function describeLycorisBehaviour(suite: LycorisSuite): void {
  const { method, config } = suite;
  const on = (targets: string[], extra: Record<string, unknown> = {}) => ({ peft_type: method, ...config, target_modules: targets, ...extra });

  describe(`${method}: dropout, mixed batches, memory, typed errors`, () => {
    test('rank_dropout zeroes output rows of ΔW in training only, rescaling the kept rows as peft does', () => {
      const cases = method === 'LOKR' ? [false, true] : [true];
      for (const rescale of cases) {
        const model = getPeftModel(makeMlp(), on(['body.2'], { rank_dropout: 0.5, ...(method === 'LOKR' ? { rank_dropout_scale: rescale } : {}) }));
        const layer = model.baseModel.getSubmodule('body.2') as unknown as LycorisLayer;
        const x = tf.tidy(() => tf.tanh(tf.randomUniform([4, 8], -2, 2, 'float32', 5)));
        manualSeed(3);
        const ratios = columnRatios(layer, x);
        const kept = ratios.filter((r) => Math.abs(r) > 1e-6);
        expect(kept.length).toBeGreaterThan(0);
        expect(kept.length).toBeLessThan(ratios.length);
        const factor = rescale ? ratios.length / kept.length : 1;
        expectClose(kept, kept.map(() => factor), 1e-4, 1e-4);
        model.eval();
        expectClose(columnRatios(layer, x), ratios.map(() => 1), 1e-4, 1e-4);
        x.dispose();
        model.dispose();
      }
    });

    test('a step whose rank dropout drops every row adds nothing (no division by a zero mean)', () => {
      const model = getPeftModel(makeMlp(), on(['body.2'], { rank_dropout: 0.999, ...(method === 'LOKR' ? { rank_dropout_scale: true } : {}) }));
      const layer = model.baseModel.getSubmodule('body.2') as unknown as LycorisLayer;
      const x = tf.tidy(() => tf.tanh(tf.randomUniform([4, 8], -2, 2, 'float32', 5)));
      manualSeed(3);
      // With p = 0.999 all 8 rows go (seeded: this draw drops them all).
      expect(tf.tidy(() => valuesOf(layer.call(x)))).toEqual(tf.tidy(() => valuesOf(layer.baseLayer.call(x))));
      x.dispose();
      model.dispose();
    });

    test('module_dropout skips the adapter in training only: at 1 the training output is the base output', () => {
      const baseOutput = outputOf(makeMlp(), mlpInput);
      const model = getPeftModel(makeMlp(), on(['body.0', 'head'], { module_dropout: 1 }));
      model.train();
      expect(outputOf(model as unknown as Module, mlpInput)).toEqual(baseOutput);
      model.eval();
      expect(outputOf(model as unknown as Module, mlpInput)).not.toEqual(baseOutput);
      model.dispose();
    });

    test("mixed-adapter batches: each row gets its adapter's output, '__base__' rows the base output", () => {
      const model = getPeftModel(makeMlp(), on(['body.0', 'head']), 'a');
      model.addAdapter('b', on(['head'], { alpha: 1 }));
      model.eval();
      const single = (names: string[]) => {
        if (names.length > 0) model.setAdapter(names);
        return outputOf(model as unknown as Module, mlpInput);
      };
      const a = single(['a']);
      const b = single(['b']);
      const base = outputOf(makeMlp(), mlpInput);
      const mixed = tf.tidy(() => {
        const x = mlpInput();
        return valuesOf(forwardMixedBatch(model, x, ['b', '__base__', 'a']) as tf.Tensor);
      });
      expectClose(mixed, [...b.slice(0, 3), ...base.slice(3, 6), ...a.slice(6, 9)], 1e-6, 1e-5);
      model.dispose();
    });

    test('deleting an adapter frees its tensors and leaves the other one computing as before', () => {
      const model = getPeftModel(makeMlp(), on(['body.0', 'head']), 'a');
      model.eval();
      const before = tf.memory().numTensors;
      const alone = outputOf(model as unknown as Module, mlpInput);
      model.addAdapter('b', on(['head', 'body.2']));
      model.setAdapter(['a', 'b']);
      expect(outputOf(model as unknown as Module, mlpInput)).not.toEqual(alone);
      model.deleteAdapter('b');
      expect(model.adapterNames).toEqual(['a']);
      expect(tf.memory().numTensors).toBe(before);
      expect(outputOf(model as unknown as Module, mlpInput)).toEqual(alone);
      model.dispose();
    });

    test('tf.memory() is flat across training steps (with rank and module dropout on)', () => {
      const model = getPeftModel(makeMlp(), on(['body.0', 'body.2', 'head'], { rank_dropout: 0.3, module_dropout: 0.2 }));
      model.train();
      manualSeed(8);
      const parameters = model.adapterState('default').map(([, p]) => p);
      const x = mlpInput();
      const step = () => {
        const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.call(x) as tf.Tensor)) as tf.Scalar, parameters.map((p) => p.variable));
        // A layer module dropout skipped this step has no gradient.
        for (const p of parameters.filter((q) => grads[q.variable.name] != null)) {
          const updated = tf.tidy(() => tf.sub(p.variable, tf.mul(grads[p.variable.name], 0.1)));
          p.assign(updated);
          updated.dispose();
        }
        tf.dispose([value, ...Object.values(grads).filter((g) => g != null)]);
      };
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
      model.dispose();
    });

    test('targets it cannot adapt are typed errors naming the path; the model is left as it was', () => {
      manualSeed(1);
      const net = new Sequential(new Embedding(10, 4), new Activation('tanh'), new Linear(4, 4));
      expect(() => getPeftModel(net, on(['0']))).toThrow(UnsupportedLayerError);
      expect(() => getPeftModel(net, on(['1']))).toThrow(`${method}: target module '1' is a Activation; ${method} adapts Linear and Conv2D layers`);
      expect(() => getPeftModel(net, on(['nothing']))).toThrow(NotFoundError);
      expect(() => getPeftModel(net, { peft_type: method, ...config, target_modules: null })).toThrow(/target_modules is not set/);
      const model = getPeftModel(makeMlp(), { peft_type: 'LORA', target_modules: ['head'] });
      expect(() => model.addAdapter('x', on(['head']))).toThrow(/'head' is a LoraLinear \(another method's layer\)/);
      expect(model.adapterNames).toEqual(['default']);
      model.dispose();
    });

    test('bad configs are typed errors that say what was expected and what was found', () => {
      const parse = (extra: Record<string, unknown>) => () => getPeftModel(makeMlp(), on(['head'], extra));
      expect(parse({ r: 0 })).toThrow(`config 'r': expected an integer > 0, found 0`);
      expect(parse({ rank_dropout: 1 })).toThrow(`${method} config: 'rank_dropout': expected a number in [0, 1), found 1`);
      expect(parse({ module_dropout: -0.1 })).toThrow(`config 'module_dropout': expected a number >= 0 <= 1, found -0.1`);
      expect(parse({ rank_pattern: { head: 1.5 } })).toThrow(`${method} config: 'rank_pattern' ['head']: expected an integer > 0, found 1.5`);
      expect(parse({ rank_pattern: { '(': 2 } })).toThrow(PeftError);
      expect(parse({ layers_pattern: 'h' })).toThrow("'layers_pattern' needs 'layers_to_transform'");
      // Untrusted values are quoted cut short.
      const long = (() => {
        try {
          parse({ init_weights: 'x'.repeat(5000) })();
        } catch (error) {
          return (error as Error).message;
        }
        return '';
      })();
      expect(long).toMatch(/init_weights': expected true,? (or )?false.*, found 'x+/);
      expect(long.length).toBeLessThan(400);
    });

    test('a file whose tensor does not fit the config is a typed error naming the tensor, before anything is changed', async () => {
      const configText = JSON.stringify({ ...on(['head']), r: 2 });
      const model = getPeftModel(makeMlp(), on(['head']));
      const names = model.adapterState('default').map(([name]) => name.replace('.default', ''));
      const shapes = model.adapterState('default').map(([, p]) => [...p.shape]);
      model.dispose();
      // The config says r = 2; the tensors were made with the suite's rank.
      const tensors = Object.fromEntries(names.map((name, i) => [name, fixtureTensor(shapes[i], i)]));
      const base = makeMlp();
      const weights = base.parameters().map((p) => valuesOf(p.variable));
      await withPeftFolder(configText, tensors, async (directory) => {
        const load = PeftModel.fromPretrained(base, directory);
        await expect(load).rejects.toThrow(PeftError);
        // LoHa's factors keep their names and change shape; LoKr's low-rank w2 becomes a full one at r = 2.
        await expect(load).rejects.toThrow(/tensor 'base_model\.model\.head\.\w+'( \(its shape follows from the config\): expected shape \[[\d, ]+\], found \[[\d, ]+\]|, which the file does not hold)/);
      });
      expect(base.parameters().map((p) => valuesOf(p.variable))).toEqual(weights);
      expect(base.getSubmodule('head')).toBeInstanceOf(Linear);
      tf.dispose(Object.values(tensors));
    });
  });
}
