/**
 * 2-D convolution on NHWC inputs ([batch, height, width, channels], tfjs' native
 * layout: every tfjs backend runs it without transposing activations, and
 * channels being the last axis makes `inFeatures`/`outFeatures` mean what they
 * mean for Linear). The weight is stored as PyTorch stores it, [out, in, kh, kw],
 * so conv LoRA factors and Hugging Face tensors line up without reshuffling;
 * the forward pass transposes it to tfjs' [kh, kw, in, out] filter layout, a
 * cost proportional to the (small) filter, not to the activations.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError } from '../../errors';
import { brandClass } from '../../util/brand';
import * as init from '../init';
import { Module } from '../module';
import type { Parameter } from '../parameter';
import type { Generator } from '../random';

export type Pair = number | readonly [number, number];

/** 'same' and 'valid' as in TensorFlow ('same' pads more at the bottom/right when odd); a number or pair pads symmetrically as PyTorch does. */
export type Conv2DPadding = 'same' | 'valid' | Pair;

export interface Conv2DGeometry {
  stride?: Pair;
  padding?: Conv2DPadding;
  dilation?: Pair;
}

export interface Conv2DOptions extends Conv2DGeometry {
  bias?: boolean;
  rng?: Generator;
}

export function pair(value: Pair, what: string): [number, number] {
  const [a, b] = typeof value === 'number' ? [value, value] : value;
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0) {
    throw new InvalidArgumentError(`${what}: expected a non-negative integer or a pair of them, found ${JSON.stringify(value)}`);
  }
  return [a, b];
}

export class Conv2D extends Module {
  static {
    brandClass(this, 'core', 'Conv2D');
  }

  readonly weight: Parameter;
  readonly bias: Parameter | undefined;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly dilation: [number, number];
  readonly padding: 'same' | 'valid' | [number, number];

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    options: Conv2DOptions = {},
  ) {
    super();
    for (const [what, n] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
      if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`Conv2D ${what}: expected a positive integer, found ${n}`);
    }
    this.kernelSize = pair(kernelSize, 'Conv2D kernelSize');
    this.stride = pair(options.stride ?? 1, 'Conv2D stride');
    this.dilation = pair(options.dilation ?? 1, 'Conv2D dilation');
    const padding = options.padding ?? 'valid';
    this.padding = padding === 'same' || padding === 'valid' ? padding : pair(padding, 'Conv2D padding');
    if (this.kernelSize.includes(0) || this.stride.includes(0) || this.dilation.includes(0)) {
      throw new InvalidArgumentError(`Conv2D: kernel size, stride and dilation must be positive, found ${this.kernelSize}, ${this.stride}, ${this.dilation}`);
    }
    const fanIn = inChannels * this.kernelSize[0] * this.kernelSize[1];
    this.weight = this.addParameter('weight', init.kaimingUniform([outChannels, inChannels, ...this.kernelSize], fanIn, options.rng));
    this.bias = options.bias === false ? undefined : this.addParameter('bias', init.kaimingUniform([outChannels], fanIn, options.rng));
  }

  override get inFeatures(): number {
    return this.inChannels;
  }

  override get outFeatures(): number {
    return this.outChannels;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return conv2d(x, this.weight.read(), this.bias?.read(), this);
  }
}

/** The functional form: x [batch, h, w, in] with weight [out, in, kh, kw] and bias [out]. */
export function conv2d(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined, geometry: Conv2DGeometry = {}): tf.Tensor {
  const inChannels = weight.shape[1] as number;
  if (x.rank !== 4 || x.shape[3] !== inChannels) {
    throw new ShapeMismatchError('Conv2D input (NHWC)', [null, null, null, inChannels], x.shape);
  }
  const stride = pair(geometry.stride ?? 1, 'Conv2D stride');
  const dilation = pair(geometry.dilation ?? 1, 'Conv2D dilation');
  const padding = geometry.padding ?? 'valid';
  return tf.tidy(() => {
    const filter = tf.transpose(weight, [2, 3, 1, 0]) as tf.Tensor4D;
    const pad =
      padding === 'same' || padding === 'valid'
        ? padding
        : (([ph, pw]) => [[0, 0], [ph, ph], [pw, pw], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]])(
            pair(padding, 'Conv2D padding'),
          );
    const y = tf.conv2d(x as tf.Tensor4D, filter, stride, pad, 'NHWC', dilation);
    return bias === undefined ? y : tf.add(y, bias);
  });
}
