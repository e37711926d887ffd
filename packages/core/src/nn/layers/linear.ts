/**
 * y = x Wᵀ + b, with W stored [out, in] as PyTorch and Hugging Face files store
 * it, so peft tensors (lora_A [r, in], lora_B [out, r]) load without transposes.
 * wasm's matMul with `transposeB` is 2-10x slower than a transpose followed by
 * a plain matMul (see backend/matmul.ts), so one operand is transposed
 * explicitly: whichever is smaller. For a few tokens through a large weight
 * that is the activations, computing (W xᵀ)ᵀ: a copy of the weight per call
 * would double a frozen base's memory while a forward's intermediates are held
 * (a tidy, or the gradient tape).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError } from '../../errors';
import { matMul, transposeLastTwo } from '../../backend/matmul';
import { brandClass } from '../../util/brand';
import { kaimingUniform } from '../init';
import { Module } from '../module';
import type { Parameter } from '../parameter';
import type { Generator } from '../random';

export interface LinearOptions {
  bias?: boolean;
  rng?: Generator;
}

export class Linear extends Module {
  static {
    brandClass(this, 'core', 'Linear');
  }

  readonly weight: Parameter;
  readonly bias: Parameter | undefined;

  constructor(
    private readonly inSize: number,
    private readonly outSize: number,
    options: LinearOptions = {},
  ) {
    super();
    for (const [what, n] of [['inFeatures', inSize], ['outFeatures', outSize]] as const) {
      if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`Linear ${what}: expected a positive integer, found ${n}`);
    }
    this.weight = this.addParameter('weight', kaimingUniform([outSize, inSize], inSize, options.rng));
    this.bias = options.bias === false ? undefined : this.addParameter('bias', kaimingUniform([outSize], inSize, options.rng));
  }

  override get inFeatures(): number {
    return this.inSize;
  }

  override get outFeatures(): number {
    return this.outSize;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return linear(x, this.weight.read(), this.bias?.read());
  }
}

/** The functional form: x [..., in] times W [out, in] transposed, plus b [out]. */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const [outSize, inSize] = weight.shape as number[];
  if (x.shape[x.rank - 1] !== inSize) {
    throw new ShapeMismatchError('Linear input', [...x.shape.slice(0, -1), inSize], x.shape);
  }
  return tf.tidy(() => {
    const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inSize]);
    const rows = flat.shape[0] as number;
    let y = rows * (inSize + outSize) < inSize * outSize ? transposeLastTwo(tf.matMul(weight, transposeLastTwo(flat))) : matMul(flat, weight, false, true);
    if (bias !== undefined) y = tf.add(y, bias);
    return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), outSize]);
  });
}
