/**
 * The real MobileNetV2 that nsfwjs ships, imported into a module tree: same
 * outputs, Dense layers as PEFT targets. On wasm only: under jest the pure-JS cpu
 * backend runs this model about 15x slower than in plain Node (its loops read
 * globals through jest's vm context), over a minute for the two forward passes;
 * the functional model in tfjs-layers.test.ts covers the same code on cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { countParameters, Linear } from '@peftjs/core';
import { expectClose, onBackend } from '../../test/helpers';
import { loadMobileNetV2 } from '../../test/mobilenet-v2';
import { Conv2D } from '../layers/conv2d';
import { fromLayersModel, LayersGraph, WrappedLayer } from './index';

describe.each(['wasm'] as const)('nsfwjs MobileNetV2 on %s', (backend) => {
  let model: tfl.LayersModel;
  let graph: LayersGraph;

  beforeAll(async () => {
    await onBackend(backend);
    model = await loadMobileNetV2();
    graph = fromLayersModel(model).eval();
  });

  afterAll(() => {
    graph.dispose();
    model.dispose();
  });

  test('gives the outputs of the original LayersModel on sample images', () => {
    const images = tf.tidy(() => tf.concat([tf.randomUniform([1, 224, 224, 3], 0, 1, 'float32', 3), tf.fill([1, 224, 224, 3], 0.5)]));
    const expected = model.predict(images) as tf.Tensor;
    const actual = graph.call(images) as tf.Tensor;
    expect(actual.shape).toEqual([2, 5]);
    expectClose(actual.dataSync(), expected.dataSync(), 1e-5, 1e-3);
    tf.dispose([images, expected, actual]);
  });

  test('lists its Dense layers as Linear targets and its convolutions as Conv2D; everything else is frozen', () => {
    const of = (cls: abstract new (...args: never[]) => unknown) => graph.namedModules().filter(([, m]) => m instanceof cls).map(([p]) => p);
    expect(of(Linear)).toEqual(['dense_1', 'dense_2', 'dense_3']);
    expect(graph.getParameter('dense_3.weight').shape).toEqual([5, 128]);
    expect(of(Conv2D)).toHaveLength(35);
    expect(of(WrappedLayer).length).toBeGreaterThan(100);
    expect(graph.namedParameters().filter(([p]) => p.startsWith('bn_Conv1.')).every(([, p]) => !p.trainable)).toBe(true);
    expect(countParameters(graph).total).toBe(model.countParams());
  });
});
