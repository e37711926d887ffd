/**
 * The base layers LoHa and LoKr wrap (peft's `layers_mapping`: Linear and
 * Conv2d) and how an update ΔW in the base weight's shape is applied, the way
 * peft's `_get_delta_activations` does: F.linear(x, ΔW) or a convolution with
 * ΔW and the base's geometry, no bias (the base output already has it).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Conv2D, Linear, conv2d, linear, type AnyModule, type Parameter } from '@peftjs/core';
import { UnsupportedLayerError } from '../errors';

export interface LycorisBase {
  readonly kind: 'linear' | 'conv2d';
  readonly weight: Parameter;
  readonly outDim: number;
  /** Input features (Linear) or input channels (Conv2D). */
  readonly inDim: number;
  /** [kh, kw]; [1, 1] for a Linear. */
  readonly kernel: readonly [number, number];
  apply(x: tf.Tensor, delta: tf.Tensor): tf.Tensor;
}

export function lycorisBaseOf(module: AnyModule): LycorisBase | undefined {
  if (module instanceof Linear) {
    const [outDim, inDim] = module.weight.shape;
    return { kind: 'linear', weight: module.weight, outDim, inDim, kernel: [1, 1], apply: (x, delta) => linear(x, delta) };
  }
  if (module instanceof Conv2D) {
    return {
      kind: 'conv2d',
      weight: module.weight,
      outDim: module.outChannels,
      inDim: module.inChannels,
      kernel: module.kernelSize,
      apply: (x, delta) => conv2d(x, delta, undefined, module),
    };
  }
  return undefined;
}

/** The base of a LyCORIS layer; any other module type is an UnsupportedLayerError. */
export function lycorisBase(module: AnyModule, path = '(base layer)', method = 'LyCORIS'): LycorisBase {
  const base = lycorisBaseOf(module);
  if (base === undefined) throw new UnsupportedLayerError(path, module.constructor.name, method, `${method} adapts Linear and Conv2D layers`);
  return base;
}
