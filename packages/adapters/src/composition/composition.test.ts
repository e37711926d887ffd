import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError, getPeftModel, type Module, type PeftModel } from '@peftjs/core';
import type { LogitsOutput, TransformerInput } from '@peftjs/models';
import { expectClose, makeGpt2, makeSmallNet, onBackend, perturb, smallInput } from '../../test/helpers';
import { CompositionError } from '../errors';
import { activeComposition, addFusion, setActive } from './activate';
import { Average, BatchSplit, Fuse, Parallel, Stack } from './blocks';
import { splitParallelOutput } from './parallel-output';

beforeAll(() => onBackend('cpu'));

type Net = PeftModel<tf.Tensor, tf.Tensor>;
type Gpt2 = PeftModel<TransformerInput, LogitsOutput>;

/** The small net with bottleneck adapters `names` after its activation ('1', width 6). */
function smallNetWith(names: string[], seed = 1): Net {
  const config = { peft_type: 'BOTTLENECK', reduction_factor: 2, non_linearity: 'tanh', placement: [{ module: '1', position: 'after', size: 6 }] };
  const model = getPeftModel(makeSmallNet(), config, names[0]);
  for (const name of names.slice(1)) model.addAdapter(name, config);
  names.forEach((name, i) => perturb(model.adapterState(name), seed + i));
  return model;
}

const run = (model: Module, rows = 5) => {
  const x = smallInput(rows);
  try {
    return tf.tidy(() => Array.from(model.call(x).dataSync()));
  } finally {
    x.dispose();
  }
};

function param(model: PeftModel<never, unknown>, adapter: string, part: string): tf.Tensor {
  const found = model.adapterState(adapter).find(([path]) => path.includes(`.${part.split('.')[0]}.${adapter}.${part.split('.')[1]}`));
  if (!found) throw new Error(`test: no ${part} for ${adapter}`);
  return found[1].variable;
}

/** h + up(tanh(down(h))), from the adapter's parameters. */
const applyByHand = (model: Net, name: string, h: tf.Tensor) =>
  tf.add(h, linear(tf.tanh(linear(h, param(model as never, name, 'adapter_down.weight'), param(model as never, name, 'adapter_down.bias'))), param(model as never, name, 'adapter_up.weight'), param(model as never, name, 'adapter_up.bias')));

const linear = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.add(tf.matMul(x, w, false, true), b);

/** The small net's own layers: h = tanh(lin0(x)) before the site, lin2 after it. */
function byHand(model: Net, site: (h: tf.Tensor) => tf.Tensor, rows = 5): number[] {
  const base = model.baseModel;
  const lin = (path: string) => (base.getSubmodule(path) as unknown as { weight: { variable: tf.Tensor }; bias: { variable: tf.Tensor } });
  const x = smallInput(rows);
  const result = tf.tidy(() => {
    const h = tf.tanh(linear(x, lin('0').weight.variable, lin('0').bias.variable));
    return Array.from(linear(site(h), lin('2').weight.variable, lin('2').bias.variable).dataSync());
  });
  x.dispose();
  return result;
}

const logits = (model: Module<TransformerInput, LogitsOutput>, ids: number[][]) => {
  const inputIds = tf.tensor2d(ids, undefined, 'int32');
  try {
    return tf.tidy(() => model.call({ inputIds }).logits.arraySync() as number[][][]);
  } finally {
    inputIds.dispose();
  }
};

const IDS = [[1, 5, 9, 2], [3, 3, 8, 0], [7, 1, 4, 4], [2, 9, 6, 5], [8, 0, 3, 7]];

function gpt2With(names: string[], config: Record<string, unknown> = { peft_type: 'BOTTLENECK', config: 'houlsby', reduction_factor: 4 }): Gpt2 {
  const model = getPeftModel(makeGpt2(), config, names[0]);
  for (const name of names.slice(1)) model.addAdapter(name, config);
  names.forEach((name, i) => perturb(model.adapterState(name), 10 + i, 0.2));
  return model;
}

describe('Stack', () => {
  test('equals applying the adapters one after the other, in order', () => {
    const model = smallNetWith(['a', 'b']);
    setActive(model as never, Stack('a', 'b'));
    expectClose(run(model), byHand(model, (h) => applyByHand(model, 'b', applyByHand(model, 'a', h))));
    setActive(model as never, Stack('b', 'a'));
    expectClose(run(model), byHand(model, (h) => applyByHand(model, 'a', applyByHand(model, 'b', h))));
    // Core's setAdapter with several names means the same stack.
    model.setAdapter(['a', 'b']);
    expect(activeComposition(model as never)).toBeUndefined();
    expectClose(run(model), byHand(model, (h) => applyByHand(model, 'b', applyByHand(model, 'a', h))));
    model.dispose();
  });
});

describe('Average', () => {
  test('equals the weighted mean of the adapters (the rest of the net is affine, so of the outputs too)', () => {
    const model = smallNetWith(['a', 'b']);
    setActive(model as never, Average('a', 'b', { weights: [1, 3] }));
    const averaged = run(model);
    expectClose(averaged, byHand(model, (h) => tf.add(tf.mul(0.25, applyByHand(model, 'a', h)), tf.mul(0.75, applyByHand(model, 'b', h)))));
    setActive(model as never, 'a');
    const a = run(model);
    setActive(model as never, 'b');
    const b = run(model);
    expectClose(averaged, a.map((v, i) => 0.25 * v + 0.75 * b[i]));
    model.dispose();
  });

  test('works for IA3 adapters, which then refuse to merge', () => {
    const model = getPeftModel(makeSmallNet(), { peft_type: 'IA3', target_modules: ['2'], feedforward_modules: [] }, 'a');
    model.addAdapter('b', { peft_type: 'IA3', target_modules: ['2'], feedforward_modules: [] });
    perturb(model.adapterState('a'), 1);
    perturb(model.adapterState('b'), 2);
    setActive(model as never, 'a');
    const a = run(model);
    setActive(model as never, 'b');
    const b = run(model);
    setActive(model as never, Average('a', 'b', { weights: [2, 1] }));
    expectClose(run(model), a.map((v, i) => (2 * v + b[i]) / 3));
    expect(() => model.mergeAdapter()).toThrow(/cannot be merged/);
    setActive(model as never, Stack('a', 'b'));
    const stacked = run(model);
    model.mergeAdapter();
    expectClose(run(model), stacked);
    // Merged adapters act on every row: only a plain Stack can hold them.
    expect(() => setActive(model as never, BatchSplit('a', 'b', { batchSizes: [2, 3] }))).toThrow(/'a' is merged into the base weights; call unmergeAdapter\(\)/);
    expect(activeComposition(model as never)).toEqual(Stack('a', 'b'));
    model.dispose();
  });
});

describe('BatchSplit', () => {
  test('equals running each slice of rows with its adapter', () => {
    const model = gpt2With(['a', 'b']);
    setActive(model as never, BatchSplit('a', 'b', { batchSizes: [2, 3] }));
    const split = logits(model as never, IDS);
    setActive(model as never, 'a');
    const a = logits(model as never, IDS.slice(0, 2));
    setActive(model as never, 'b');
    const b = logits(model as never, IDS.slice(2));
    expectClose(split.flat(2), [...a, ...b].flat(2));
    model.dispose();
  });

  test('with IA3 adapters too', () => {
    const model = gpt2With(['a', 'b'], { peft_type: 'IA3', fan_in_fan_out: true });
    setActive(model as never, BatchSplit('b', 'a', { batchSizes: [4, 1] }));
    const split = logits(model as never, IDS);
    setActive(model as never, 'b');
    const b = logits(model as never, IDS.slice(0, 4));
    setActive(model as never, 'a');
    const a = logits(model as never, IDS.slice(4));
    expectClose(split.flat(2), [...b, ...a].flat(2));
    model.dispose();
  });

  test('sizes that do not fit the batch: a ShapeMismatchError, no tensor left behind', () => {
    const model = gpt2With(['a', 'b']);
    setActive(model as never, BatchSplit('a', 'b', { batchSizes: [2, 2] }));
    const before = tf.memory().numTensors;
    expect(() => logits(model as never, IDS)).toThrow(ShapeMismatchError);
    expect(() => logits(model as never, IDS)).toThrow(/BatchSplit batch sizes \[2, 2\]: rows: expected shape \[4, 4, 16\], found \[5, 4, 16\]/);
    expect(tf.memory().numTensors).toBe(before);
    expect(logits(model as never, IDS.slice(0, 4))).toHaveLength(4);
    model.dispose();
  });
});

describe('Parallel', () => {
  test('runs each adapter on its own copy of the batch: the output holds each branch, branch-major', () => {
    const model = gpt2With(['a', 'b']);
    setActive(model as never, Parallel('a', 'b'));
    const inputIds = tf.tensor2d(IDS.slice(0, 3), undefined, 'int32');
    const before = tf.memory().numTensors;
    const output = model.call({ inputIds });
    expect(output.logits.shape).toEqual([6, 4, 30]);
    const branches = splitParallelOutput(output, 2);
    const [first, second] = branches.map((branch) => branch.logits.arraySync() as number[][][]);
    tf.dispose([output, ...branches]);
    setActive(model as never, 'a');
    expectClose(first.flat(2), logits(model as never, IDS.slice(0, 3)).flat(2));
    setActive(model as never, 'b');
    expectClose(second.flat(2), logits(model as never, IDS.slice(0, 3)).flat(2));
    expect(tf.memory().numTensors).toBe(before);
    inputIds.dispose();
    model.dispose();
  });

  test('trains both branches in one step, and a step leaks nothing', () => {
    const model = gpt2With(['a', 'b']);
    setActive(model as never, Stack(Parallel('a', 'b')));
    const inputIds = tf.tensor2d(IDS.slice(0, 2), undefined, 'int32');
    const variables = model.parameters().filter((p) => p.trainable).map((p) => p.variable);
    const owned = new Set([...model.adapterState('a'), ...model.adapterState('b')].map(([, p]) => p.variable));
    expect(variables.every((v) => owned.has(v)) && variables.length === owned.size).toBe(true);
    const step = () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.mean(tf.square(model.call({ inputIds }).logits)) as tf.Scalar, variables);
        for (const v of variables) v.assign(tf.sub(v, tf.mul(0.1, grads[v.name])));
      });
    step();
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
    inputIds.dispose();
    model.dispose();
  });
});

describe('Fuse', () => {
  function fused(): Net {
    const model = smallNetWith(['b', 'c']);
    addFusion(model as never, Fuse('b', 'c'));
    perturb(model.adapterState('fuse_b_c'), 7, 0.4);
    return model;
  }

  test('trains only the fusion parameters by default', () => {
    const model = fused();
    setActive(model as never, Fuse('b', 'c'));
    const trainable = model.namedParameters().filter(([, p]) => p.trainable).map(([path]) => path);
    expect(trainable).toEqual(model.adapterState('fuse_b_c').map(([path]) => path));
    expect(trainable.every((path) => /adapter_fusion_(query|key|value)\.fuse_b_c\./.test(path))).toBe(true);
    const snapshot = () => model.namedParameters().map(([path, p]) => [path, Array.from(p.variable.dataSync())] as const);
    const before = new Map(snapshot());
    const x = smallInput();
    const variables = model.parameters().filter((p) => p.trainable).map((p) => p.variable);
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.mean(tf.square(model.call(x))) as tf.Scalar, variables);
      for (const v of variables) v.assign(tf.sub(v, tf.mul(0.5, grads[v.name])));
    });
    const changed = snapshot().filter(([path, values]) => values.some((v, i) => v !== before.get(path)![i])).map(([path]) => path);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((path) => path.includes('adapter_fusion_'))).toBe(true);
    // unfreezeAdapters trains the fused adapters as well.
    setActive(model as never, Fuse('b', 'c'), { unfreezeAdapters: true });
    expect(model.adapterState('b').every(([, p]) => p.trainable)).toBe(true);
    x.dispose();
    model.dispose();
  });

  test('mixes the adapters by its attention weights: h + sum_i softmax(Q(h) . K(d_i)) V(d_i)', () => {
    const model = fused();
    const p = (part: string) => param(model as never, 'fuse_b_c', part);
    const fuseByHand = (h: tf.Tensor) => {
      const deltas = ['b', 'c'].map((name) => tf.sub(applyByHand(model, name, h), h));
      const q = linear(h, p('adapter_fusion_query.weight'), p('adapter_fusion_query.bias'));
      const scores = deltas.map((d) => tf.sum(tf.mul(q, linear(d, p('adapter_fusion_key.weight'), p('adapter_fusion_key.bias'))), -1));
      const weights = tf.softmax(tf.stack(scores, -1));
      const [w0, w1] = tf.unstack(weights, -1).map((w) => tf.expandDims(w, -1));
      const values = deltas.map((d) => linear(d, p('adapter_fusion_value.weight'), p('adapter_fusion_value.bias')));
      // Not a plain average: the attention prefers one adapter per row.
      expect(Math.max(...Array.from(tf.abs(tf.sub(w0, 0.5)).dataSync()))).toBeGreaterThan(0.01);
      return tf.add(h, tf.add(tf.mul(w0, values[0]), tf.mul(w1, values[1])));
    };
    setActive(model as never, Fuse('b', 'c'));
    expectClose(run(model), byHand(model, fuseByHand));
    setActive(model as never, Stack('b', Fuse('b', 'c')));
    expectClose(run(model), byHand(model, (h) => fuseByHand(applyByHand(model, 'b', h))));
    model.dispose();
  });

  test('gradients of the fusion parameters match finite differences', async () => {
    const { expectGradientsMatchFiniteDifferences } = await import('../../test/helpers');
    const model = fused();
    setActive(model as never, Fuse('b', 'c'));
    const x = smallInput();
    expectGradientsMatchFiniteDifferences(model.adapterState('fuse_b_c'), () => tf.mean(tf.square(tf.sub(model.call(x), 0.2))) as tf.Scalar);
    x.dispose();
    model.dispose();
  });
});

describe('activation', () => {
  test("core's setAdapter, or deleting one of its adapters, ends a composition", () => {
    const model = smallNetWith(['a', 'b']);
    setActive(model as never, Average('a', 'b'));
    expect(activeComposition(model as never)).toEqual(Average('a', 'b'));
    model.setAdapter('a');
    expect(activeComposition(model as never)).toBeUndefined();
    setActive(model as never, Average('a', 'b'));
    model.deleteAdapter('b');
    expect(activeComposition(model as never)).toBeUndefined();
    expect(model.activeAdapters).toEqual(['a']);
    model.dispose();
  });

  const refused = (model: PeftModel<never, unknown>, act: () => void, reason: string, message: RegExp) => {
    const active = model.activeAdapters;
    const composition = activeComposition(model);
    const trainable = model.parameters().map((p) => p.trainable);
    let error: unknown;
    try {
      act();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CompositionError);
    expect((error as CompositionError).reason).toBe(reason);
    expect((error as Error).message).toMatch(message);
    expect(model.activeAdapters).toEqual(active);
    expect(activeComposition(model)).toEqual(composition);
    expect(model.parameters().map((p) => p.trainable)).toEqual(trainable);
  };

  test('bad compositions are typed errors, and the model keeps what it had', () => {
    const model = smallNetWith(['a', 'b', 'c']);
    model.addAdapter('gate', { peft_type: 'IA3', target_modules: ['2'], feedforward_modules: [] });
    setActive(model as never, Stack('a', 'b'));
    const m = model as never as PeftModel<never, unknown>;
    refused(m, () => setActive(m, Stack('a', 'd')), 'unknown-adapter', /no adapter named 'd' .*\(at Stack\(a, d\)\)/);
    refused(m, () => setActive(m, Fuse('b', 'c')), 'fusion', /has no fusion layer in this model; add it first with addFusion/);
    refused(m, () => setActive(m, Fuse('b', 'gate')), 'unsupported-adapter', /adapter 'gate' is IA3; only BOTTLENECK adapters can be fused/);
    refused(m, () => addFusion(m, Fuse('a', 'gate')), 'unsupported-adapter', /only BOTTLENECK adapters can be fused/);
    refused(m, () => setActive(m, { type: 'Fuse', children: ['a', { type: 'Parallel', children: ['b'] }], name: 'f' } as never), 'nesting', /cannot nest Parallel in Fuse/);
    refused(m, () => setActive(m, Parallel('gate', Stack('gate'))), 'unsupported-adapter', /Parallel needs at least one BOTTLENECK adapter/);
    model.dispose();
  });

  test('fusing adapters that sit at different modules is refused, and adds nothing', () => {
    const model = smallNetWith(['a']);
    model.addAdapter('elsewhere', { peft_type: 'BOTTLENECK', reduction_factor: 2, placement: [{ module: '2', position: 'after' }] });
    const names = model.adapterNames;
    const m = model as never as PeftModel<never, unknown>;
    refused(m, () => addFusion(m, Fuse('a', 'elsewhere')), 'fusion', /adapters 'a' and 'elsewhere' sit at different modules \(\[1\] vs \[2\]\)/);
    refused(m, () => addFusion(m, Fuse('a', 'nobody')), 'unknown-adapter', /no adapter named 'nobody'/);
    expect(model.adapterNames).toEqual(names);
    model.dispose();
  });
});
