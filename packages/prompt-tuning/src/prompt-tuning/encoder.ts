/**
 * PromptEmbedding (peft's name): the virtual token embeddings themselves,
 * [num_virtual_tokens, token_dim], trained directly. Always in folded form.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '@peftjs/core';
import { PromptLearningEncoder } from '../shared/encoder';

export class PromptEmbedding extends PromptLearningEncoder {
  constructor(rows: number, tokenDim: number, rng?: Generator) {
    super(rows, tokenDim, rng);
  }

  get folded(): boolean {
    return true;
  }

  forward(): tf.Tensor {
    return this.embedding.weight.read();
  }
}
