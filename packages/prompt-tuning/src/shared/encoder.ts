/**
 * The base of the three prompt encoders. peft keeps each adapter's encoder at
 * `prompt_encoder.<adapter>` with its table under `embedding` and, while
 * training a reparameterised method, a network (`transform`, `mlp_head`,
 * `lstm_head`) over it. Whatever the method, an encoder produces one matrix,
 * [virtual tokens, width]: the prompt embeddings, or the flattened key/value
 * prefixes. That matrix is what peft files store as `prompt_embeddings`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Embedding, Module, type Generator } from '@peftjs/core';

export abstract class PromptLearningEncoder extends Module<void, tf.Tensor> {
  readonly embedding: Embedding;

  /**
   * @param rows virtual tokens (all transformer submodules together)
   * @param tableWidth width of the `embedding` table (the output width once folded)
   */
  constructor(
    readonly rows: number,
    tableWidth: number,
    rng?: Generator,
  ) {
    super();
    // torch.nn.Embedding's default N(0, 1), which peft keeps for random prompts.
    this.embedding = this.addModule('embedding', new Embedding(rows, tableWidth, { rng }));
  }

  /**
   * True when the output is the `embedding` table itself (no network on top):
   * the form peft loads for inference and the only one its files describe.
   */
  abstract get folded(): boolean;

  /** The encoder's output [rows, width], through `read()` so functional calls (MAML) see replaced values. */
  abstract override forward(): tf.Tensor;

  /**
   * The output as peft saves and folds it (`get_prompt_embedding_to_save`):
   * computed in eval mode, so no dropout (the LSTM's) reaches it. A new tensor
   * (the caller disposes it); the training flags are left as they were.
   */
  inferenceOutput(): tf.Tensor {
    const modes = this.namedModules().map(([, module]) => [module, module.training] as const);
    this.eval();
    try {
      return tf.tidy(() => tf.clone(this.call()));
    } finally {
      for (const [module, training] of modes) module.training = training;
    }
  }
}
