import * as tf from '@tensorflow/tfjs-core';
import { onBackend } from '../../test/helpers';
import { NotFoundError } from '../errors';
import { Linear } from '../nn/layers/linear';
import { Sequential } from '../nn/layers/sequential';
import { Module, type AnyModule } from '../nn/module';
import { InvalidPatternError } from './patterns/index';
import { findTargetModules } from './targets';

/** Named as a Llama-style decoder: model.layers.<i>.self_attn.{q,k,v}_proj, model.layers.<i>.mlp.up_proj, lm_head. */
class Named extends Module {
  constructor(children: Record<string, Module<never, unknown>>) {
    super();
    for (const [name, child] of Object.entries(children)) this.addModule(name, child);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return x;
  }
}

const linear = () => new Linear(2, 2);
const block = () => new Named({ self_attn: new Named({ q_proj: linear(), k_proj: linear(), v_proj: linear() }), mlp: new Named({ up_proj: linear() }) });
const makeDecoder = () => new Named({ model: new Named({ layers: new Sequential(block(), block(), block()) }), lm_head: linear() }) as unknown as AnyModule;
const isLinear = (module: AnyModule) => module instanceof Linear;

beforeAll(() => onBackend('cpu'));

describe('findTargetModules with config patterns', () => {
  let decoder: AnyModule;
  beforeAll(() => {
    decoder = makeDecoder();
  });
  afterAll(() => decoder.dispose());

  const targets = (spec: Parameters<typeof findTargetModules>[1]) => findTargetModules(decoder, spec, { isCandidate: isLinear });

  test('regex targets match whole paths as re.fullmatch does', () => {
    expect(targets({ target_modules: '.*\\.(q_proj|v_proj)$' })).toEqual([0, 1, 2].flatMap((i) => [`model.layers.${i}.self_attn.q_proj`, `model.layers.${i}.self_attn.v_proj`]));
    expect(targets({ target_modules: 'model.layers.\\d+.self_attn.(q_proj|k_proj)', exclude_modules: '.*\\.[12]\\..*' })).toEqual(['model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.k_proj']);
    expect(targets({ target_modules: '^(?!.*lm_head).*', exclude_modules: '.*(?<!mlp\\.up)_proj' })).toEqual(['model.layers.0.mlp.up_proj', 'model.layers.1.mlp.up_proj', 'model.layers.2.mlp.up_proj']);
  });

  test('a catastrophic-backtracking target finishes (it matches nothing) instead of blocking the event loop', () => {
    const started = performance.now();
    expect(() => targets({ target_modules: '(.*.*)*X' })).toThrow(NotFoundError);
    expect(() => targets({ target_modules: 'model.layers.0.self_attn.q_proj', exclude_modules: '(a|a)*b|(.*.*)*X' })).not.toThrow();
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('a bad pattern is an InvalidPatternError naming its field, even where no module is a candidate', () => {
    const none = (spec: Parameters<typeof findTargetModules>[1]) => () => findTargetModules(decoder, spec, { isCandidate: () => false });
    expect(none({ target_modules: '(["' })).toThrow(InvalidPatternError);
    expect(none({ target_modules: '(["' })).toThrow(`target_modules: invalid regex "([\\"" at position 1: unterminated character set: expected ']' before the end of the pattern`);
    expect(none({ target_modules: ['q_proj'], exclude_modules: 'q_proj(?i)' })).toThrow("exclude_modules: invalid regex \"q_proj(?i)\" at position 6: inline flags ('(?i)', '(?s:...)', ...) are not supported");
  });

  test('a target that matches nothing is quoted truncated', () => {
    const long = `${'no_such_module|'.repeat(20)}x`;
    expect(() => targets({ target_modules: long })).toThrow(`PEFT: target_modules [${long.slice(0, 120)}...] match no adaptable module`);
  });

  test('layers_pattern is compared as path segments, never as a regex', () => {
    const layer = (pattern: string | string[] | null) => targets({ target_modules: ['q_proj'], layers_to_transform: [1], layers_pattern: pattern });
    expect(layer('layers')).toEqual(['model.layers.1.self_attn.q_proj']);
    expect(layer('model.layers')).toEqual(['model.layers.1.self_attn.q_proj']);
    expect(layer(['blocks', 'layers'])).toEqual(['model.layers.1.self_attn.q_proj']);
    expect(layer(null)).toEqual(['model.layers.1.self_attn.q_proj']);
    // Metacharacters are literal: neither matches 'layers'.
    for (const pattern of ['lay.rs', 'l.*', '(.*.*)*X', '([']) expect(() => layer(pattern)).toThrow(/match no adaptable module in layers \[1\]/);
  });
});
