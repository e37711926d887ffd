import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, NotFoundError, adapterFileNames, functionalCall, getPeftModel, isAdapterLayer, type Module, type PeftModel } from '@peftjs/core';
import type { TransformerInput } from '@peftjs/models';
import {
  expectClose,
  expectGradientsMatchFiniteDifferences,
  makeBert,
  makeGpt2,
  makeMlp,
  makeSmallNet,
  mlpInput,
  onBackend,
  outputOf,
  perturb,
  smallInput,
  tokenInput,
} from '../../test/helpers';
import { PlacementError } from '../errors';
import { BottleneckLayer } from './layer';

beforeAll(() => onBackend('cpu'));

const adapterPaths = (model: PeftModel<never, unknown>, name = 'default') => model.adapterState(name).map(([path]) => path);
const layerPaths = (model: PeftModel<never, unknown>) =>
  model.baseModel.namedModules().filter(([, m]) => m instanceof BottleneckLayer).map(([path]) => path);
const logits = (model: Module<TransformerInput, { logits: tf.Tensor }>) => {
  const input = tokenInput();
  try {
    return tf.tidy(() => Array.from(model.call(input).logits.dataSync()));
  } finally {
    tf.dispose(input.inputIds);
  }
};

describe('placement presets', () => {
  test('houlsby on GPT-2: after the attention and the feed-forward block, before the residual add', () => {
    const model = getPeftModel(makeGpt2(), { peft_type: 'BOTTLENECK', config: 'houlsby' });
    expect(layerPaths(model as never)).toEqual(['transformer.h.0.attn.resid_dropout', 'transformer.h.0.mlp.dropout', 'transformer.h.1.attn.resid_dropout', 'transformer.h.1.mlp.dropout']);
    // Width 16, reduction 16: one hidden unit; swish, as AdapterHub's double_seq_bn.
    expect(model.adapterState('default').map(([path, p]) => `${path} [${p.shape.join(',')}]`).slice(0, 4)).toEqual([
      'base_model.model.transformer.h.0.attn.resid_dropout.adapter_down.default.weight [1,16]',
      'base_model.model.transformer.h.0.attn.resid_dropout.adapter_down.default.bias [1]',
      'base_model.model.transformer.h.0.attn.resid_dropout.adapter_up.default.weight [16,1]',
      'base_model.model.transformer.h.0.attn.resid_dropout.adapter_up.default.bias [16]',
    ]);
    expect(model.peftConfig.default).toMatchObject({ mh_adapter: true, output_adapter: true, reduction_factor: 16, non_linearity: 'swish', scaling: 1 });
    model.dispose();
  });

  test('pfeiffer on BERT: after the feed-forward block only, before its LayerNorm', () => {
    const model = getPeftModel(makeBert(), { peft_type: 'BOTTLENECK', config: 'pfeiffer', reduction_factor: 4 });
    expect(layerPaths(model as never)).toEqual(['encoder.layer.0.output.dropout', 'encoder.layer.1.output.dropout']);
    model.dispose();
  });

  test('parallel on GPT-2 reads the block inputs (ln_1, ln_2) and adds beside the blocks, scaled by 4', () => {
    const model = getPeftModel(makeGpt2(), { peft_type: 'BOTTLENECK', config: 'parallel', mh_adapter: true });
    expect(layerPaths(model as never)).toEqual([
      'transformer.h.0.ln_1',
      'transformer.h.0.attn.resid_dropout',
      'transformer.h.0.ln_2',
      'transformer.h.0.mlp.dropout',
      'transformer.h.1.ln_1',
      'transformer.h.1.attn.resid_dropout',
      'transformer.h.1.ln_2',
      'transformer.h.1.mlp.dropout',
    ]);
    expect(model.peftConfig.default).toMatchObject({ is_parallel: true, scaling: 4, reduction_factor: 2 });
    // The norms only record their output for the adapters: no parameters of their own.
    expect(adapterPaths(model as never).filter((p) => p.includes('ln_'))).toEqual([]);
    model.dispose();
  });

  test('parallel attention adapters on BERT read the layer input: the embeddings, then the previous layer', () => {
    const model = getPeftModel(makeBert(), { peft_type: 'BOTTLENECK', config: 'parallel', mh_adapter: true, output_adapter: false });
    expect(layerPaths(model as never)).toEqual(['embeddings.dropout', 'encoder.layer.0.attention.output.dropout', 'encoder.layer.0.output.LayerNorm', 'encoder.layer.1.attention.output.dropout']);
    model.dispose();
  });

  test('MLP: after each hidden block, or beside its Linear; leave_out skips blocks', () => {
    const after = getPeftModel(makeMlp(), { peft_type: 'BOTTLENECK', reduction_factor: 2 });
    expect(layerPaths(after as never)).toEqual(['1', '3']);
    after.dispose();
    const beside = getPeftModel(makeMlp(), { peft_type: 'BOTTLENECK', config: 'parallel', leave_out: [0] });
    expect(layerPaths(beside as never)).toEqual(['2']);
    beside.dispose();
  });

  test('placement rules work on any tree, with paths relative to the match', () => {
    const model = getPeftModel(makeGpt2(), {
      peft_type: 'BOTTLENECK',
      reduction_factor: 4,
      placement: [{ module: 'mlp.dropout', position: 'beside', size: 'mlp.c_proj', source: { module: 'ln_2', side: 'output' } }, { module: 'ln_f', position: 'after' }],
    });
    expect(layerPaths(model as never)).toEqual(['transformer.h.0.ln_2', 'transformer.h.0.mlp.dropout', 'transformer.h.1.ln_2', 'transformer.h.1.mlp.dropout', 'transformer.ln_f']);
    model.dispose();
  });
});

describe('bottleneck adapters', () => {
  test('start as the identity (zero up-projection), and their files drop the adapter name', () => {
    const base = makeGpt2();
    const expected = logits(base);
    const model = getPeftModel(base, { peft_type: 'BOTTLENECK', config: 'houlsby', reduction_factor: 4 });
    expect(logits(model as never)).toEqual(expected);
    const names = [...adapterFileNames(model as never, 'default').keys()];
    expect(names).toContain('base_model.model.transformer.h.0.mlp.dropout.adapter_down.weight');
    expect(names).toContain('base_model.model.transformer.h.1.attn.resid_dropout.adapter_up.bias');
    model.dispose();
  });

  test('compute y + s * up(f(down(x))): after on the output, beside on the input', () => {
    for (const position of ['after', 'beside'] as const) {
      const base = makeSmallNet();
      const model = getPeftModel(base, { peft_type: 'BOTTLENECK', reduction_factor: 2, non_linearity: 'tanh', scaling: 3, placement: [{ module: '2', position }] });
      perturb(model.adapterState('default'), 1);
      const p = Object.fromEntries(model.adapterState('default').map(([path, parameter]) => [path.split('.').slice(-3, -2)[0] + '.' + path.split('.').pop(), parameter.variable]));
      const x = smallInput();
      const actual = tf.tidy(() => Array.from(model.call(x).dataSync()));
      const expected = tf.tidy(() => {
        const [[, lin0]] = base.namedChildren();
        const h = tf.tanh((lin0 as Module).call(x));
        const y = ((model.baseModel.getSubmodule('2') as BottleneckLayer).baseLayer as Module).call(h);
        const source = position === 'after' ? y : h;
        const down = tf.tanh(tf.add(tf.matMul(source, p['adapter_down.weight'], false, true), p['adapter_down.bias']));
        const up = tf.add(tf.matMul(down, p['adapter_up.weight'], false, true), p['adapter_up.bias']);
        return Array.from(tf.add(y, tf.mul(3, up)).dataSync());
      });
      expectClose(actual, expected);
      x.dispose();
      model.dispose();
    }
  });

  test('gradients of every adapter part match finite differences (norms, swish, scaling, both positions)', () => {
    for (const position of ['after', 'beside'] as const) {
      const model = getPeftModel(makeSmallNet(), {
        peft_type: 'BOTTLENECK',
        reduction_factor: 2,
        non_linearity: 'swish',
        scaling: 2,
        ln_before: true,
        ln_after: position === 'after',
        placement: [{ module: '1', position, size: 6 }],
      });
      perturb(model.adapterState('default'), 2);
      const x = smallInput();
      const target = tf.tensor2d(Array.from({ length: 15 }, (_, i) => Math.sin(i)), [5, 3]);
      expectGradientsMatchFiniteDifferences(model.adapterState('default'), () => tf.mean(tf.square(tf.sub(model.call(x), target))) as tf.Scalar);
      tf.dispose([x, target]);
      model.dispose();
    }
  });

  test('functional calls reach adapter parameters (for MAML over adapters)', () => {
    const base = makeMlp();
    const expected = outputOf(base, () => mlpInput());
    const model = getPeftModel(base, { peft_type: 'BOTTLENECK', reduction_factor: 2 });
    perturb(model.adapterState('default'), 4);
    const perturbed = outputOf(model as never, () => mlpInput());
    // Zero up-projections given as replacement values: the base output, variables untouched.
    const zeros = Object.fromEntries(model.adapterState('default').filter(([path]) => path.includes('adapter_up')).map(([path, p]) => [path, tf.zeros(p.shape)]));
    const x = mlpInput();
    const functional = tf.tidy(() => Array.from(functionalCall(model as unknown as Module, zeros, x).dataSync()));
    expectClose(functional, expected);
    expect(outputOf(model as never, () => mlpInput())).toEqual(perturbed);
    tf.dispose([x, ...Object.values(zeros)]);
    model.dispose();
  });

  test('trains on the wasm backend too (GPT-2, houlsby), without leaking tensors', async () => {
    await onBackend('wasm');
    try {
      const model = getPeftModel(makeGpt2(), { peft_type: 'BOTTLENECK', config: 'houlsby', reduction_factor: 4 });
      perturb(model.adapterState('default'), 3, 0.1);
      const input = tokenInput();
      const step = () =>
        tf.tidy(() => {
          const variables = model.parameters().filter((p) => p.trainable).map((p) => p.variable);
          const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.call(input).logits)) as tf.Scalar, variables);
          for (const v of variables) v.assign(tf.sub(v, tf.mul(0.1, grads[v.name])));
          return value.dataSync()[0];
        });
      const first = step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      expect(step()).toBeLessThan(first);
      tf.dispose(input.inputIds);
      model.dispose();
    } finally {
      await onBackend('cpu');
    }
  });
});

describe('bad input: typed errors, and the model is left as it was', () => {
  const unchanged = (model: PeftModel<never, unknown>, adapters: string[], layers: string[]) => {
    expect(model.adapterNames).toEqual(adapters);
    expect(layerPaths(model)).toEqual(layers);
  };

  test('a reduction factor that leaves no hidden units', () => {
    const base = makeGpt2();
    expect(() => getPeftModel(base, { peft_type: 'BOTTLENECK', reduction_factor: 32 })).toThrow(PlacementError);
    expect(() => getPeftModel(base, { peft_type: 'BOTTLENECK', reduction_factor: 32 })).toThrow(/leaves no hidden units .* at most 16/);
    expect(base.namedModules().some(([, m]) => isAdapterLayer(m))).toBe(false);
    expect(base.parameters().every((p) => p.trainable)).toBe(true);
    const model = getPeftModel(base, { peft_type: 'BOTTLENECK', reduction_factor: 4 });
    const layers = layerPaths(model as never);
    expect(() => model.addAdapter('wide', { peft_type: 'BOTTLENECK', config: 'houlsby', reduction_factor: 17 })).toThrow(PlacementError);
    unchanged(model as never, ['default'], layers);
    expect(() => getPeftModel(makeGpt2(), { peft_type: 'BOTTLENECK', reduction_factor: 0 })).toThrow(InvalidArgumentError);
    model.dispose();
  });

  test('placement rules that match nothing, or are malformed', () => {
    const model = getPeftModel(makeMlp(), { peft_type: 'BOTTLENECK', reduction_factor: 2 });
    const before = outputOf(model as never, () => mlpInput());
    expect(() => model.addAdapter('x', { peft_type: 'BOTTLENECK', placement: [{ module: 'mlp.c_fc', position: 'after' }] })).toThrow(NotFoundError);
    expect(() => model.addAdapter('x', { peft_type: 'BOTTLENECK', placement: [{ module: '1', position: 'sideways' }] })).toThrow(/placement\[0\]\.position: expected 'after' or 'beside'/);
    expect(() => model.addAdapter('x', { peft_type: 'BOTTLENECK', placement: [] })).toThrow(InvalidArgumentError);
    // The second rule fails after the first matched: nothing of the first stays.
    expect(() => model.addAdapter('x', { peft_type: 'BOTTLENECK', placement: [{ module: '0', position: 'beside' }, { module: 'nope', position: 'after' }] })).toThrow(NotFoundError);
    unchanged(model as never, ['default'], ['1', '3']);
    expect(outputOf(model as never, () => mlpInput())).toEqual(before);
    model.dispose();
  });

  test('a module of unknown width, an unknown non-linearity, no site at all', () => {
    expect(() => getPeftModel(makeGpt2(), { peft_type: 'BOTTLENECK', placement: [{ module: 'mlp.dropout', position: 'after' }] })).toThrow(/cannot tell the output width of 'transformer.h.0.mlp.dropout'/);
    expect(() => getPeftModel(makeGpt2(), { peft_type: 'BOTTLENECK', non_linearity: 'relu7' })).toThrow(/unknown activation 'relu7'.*relu6/);
    expect(() => getPeftModel(makeGpt2(), { peft_type: 'BOTTLENECK', mh_adapter: false, output_adapter: false })).toThrow(/sit nowhere/);
    expect(() => getPeftModel(makeGpt2(), { peft_type: 'BOTTLENECK', architecture: 'bert' })).toThrow(NotFoundError);
  });

  test('a module whose input and output are objects (GPT-2 attention) cannot carry an adapter: a typed error at the forward pass', () => {
    const model = getPeftModel(makeGpt2(), { peft_type: 'BOTTLENECK', placement: [{ module: 'h.0.attn', position: 'after', size: 16 }] });
    expect(() => logits(model as never)).toThrow(PlacementError);
    expect(() => logits(model as never)).toThrow(/takes or returns an object; place the adapter on one of its tensor submodules/);
    model.dispose();
  });

  test("a module another method adapts is refused: methods do not nest", () => {
    const model = getPeftModel(makeGpt2(), { peft_type: 'IA3', fan_in_fan_out: true });
    expect(() => model.addAdapter('b', { peft_type: 'BOTTLENECK', placement: [{ module: 'mlp.c_proj', position: 'after' }] })).toThrow(/already adapted by IA3/);
    expect(() => model.addAdapter('b', { peft_type: 'BOTTLENECK', placement: [{ module: 'h.0.mlp', position: 'after', size: 16 }] })).toThrow(/holds a IA3 layer at 'c_proj'/);
    // Houlsby's sites are leaves IA3 does not touch: both methods live side by side.
    model.addAdapter('b', { peft_type: 'BOTTLENECK', config: 'houlsby', reduction_factor: 4 });
    model.setAdapter(['default', 'b']);
    expect(logits(model as never).every(Number.isFinite)).toBe(true);
    model.dispose();
  });
});
