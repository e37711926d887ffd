/**
 * A lookup table [numEmbeddings, embeddingDim]. Its gradient is tfjs'
 * UnsortedSegmentSum, which core registers for the wasm backend, so embeddings
 * train on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors';
import { brandClass } from '../../util/brand';
import { normal } from '../init';
import { Module } from '../module';
import type { Parameter } from '../parameter';
import type { Generator } from '../random';

export interface EmbeddingOptions {
  rng?: Generator;
  /** Standard deviation of the normal initialisation (PyTorch: 1; GPT-2 and BERT: 0.02). */
  initStd?: number;
}

export class Embedding extends Module {
  static {
    brandClass(this, 'core', 'Embedding');
  }

  readonly weight: Parameter;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: EmbeddingOptions = {},
  ) {
    super();
    for (const [what, n] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`Embedding ${what}: expected a positive integer, found ${n}`);
    }
    this.weight = this.addParameter('weight', normal([numEmbeddings, embeddingDim], 0, options.initStd ?? 1, options.rng));
  }

  override get outFeatures(): number {
    return this.embeddingDim;
  }

  /** ids: int32 tensor of any shape; returns [...ids.shape, embeddingDim]. */
  forward(ids: tf.Tensor): tf.Tensor {
    if (ids.dtype !== 'int32') {
      throw new InvalidArgumentError(`Embedding input: expected int32 token ids, found dtype ${ids.dtype}`);
    }
    return tf.gather(this.weight.read(), ids);
  }
}
