/**
 * PrefixEncoder (peft's name and layout). Folded, its `embedding` table is the
 * flat prefix itself, [num_virtual_tokens, num_layers * 2 * token_dim]. With
 * prefix_projection, while training, the table is [n, token_dim] and
 * `transform` (Linear, tanh, Linear) maps it to the prefix: the
 * reparameterisation Li and Liang found to stabilise training, which costs
 * nothing at inference once folded.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { Activation, Linear, Sequential, type Generator } from '@peftjs/core';
import { PromptLearningEncoder } from '../shared/encoder';

export interface PrefixEncoderShape {
  readonly virtualTokens: number;
  readonly numLayers: number;
  readonly tokenDim: number;
  /** Width of the MLP; undefined: folded form, no MLP. */
  readonly projectionHidden?: number;
}

export class PrefixEncoder extends PromptLearningEncoder {
  private readonly transform: Sequential | undefined;

  constructor(shape: PrefixEncoderShape, rng?: Generator) {
    const prefixWidth = shape.numLayers * 2 * shape.tokenDim;
    const projected = shape.projectionHidden !== undefined;
    super(shape.virtualTokens, projected ? shape.tokenDim : prefixWidth, rng);
    this.transform = projected
      ? this.addModule(
          'transform',
          new Sequential(new Linear(shape.tokenDim, shape.projectionHidden!, { rng }), new Activation('tanh'), new Linear(shape.projectionHidden!, prefixWidth, { rng })),
        )
      : undefined;
  }

  get folded(): boolean {
    return this.transform === undefined;
  }

  /** [n, num_layers * 2 * token_dim]. */
  forward(): tf.Tensor {
    const table = this.embedding.weight.read();
    return this.transform === undefined ? table : this.transform.call(table);
  }
}
