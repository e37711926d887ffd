/**
 * LoRA for an Embedding (weight [numEmbeddings, dim]): peft's bare parameters
 * lora_embedding_A [r, numEmbeddings] and lora_embedding_B [dim, r]. A token's
 * update is B times its column of A, so the forward pass gathers columns of A
 * (never the whole table) and multiplies by B. In the weight matrix view W is
 * transposed, [dim, numEmbeddings], as peft's DoRA for embeddings sees it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ParameterDict, matMul, type Embedding, type Parameter } from '@peftjs/core';
import { LoraLayer } from './lora-layer';

export class LoraEmbedding extends LoraLayer {
  readonly lora_embedding_A: ParameterDict;
  readonly lora_embedding_B: ParameterDict;

  constructor(base: Embedding) {
    super(base);
    this.lora_embedding_A = this.addModule('lora_embedding_A', new ParameterDict());
    this.lora_embedding_B = this.addModule('lora_embedding_B', new ParameterDict());
  }

  get baseWeight(): Parameter {
    return (this.baseLayer as unknown as Embedding).weight;
  }

  get outUnits(): number {
    return this.baseWeight.shape[1];
  }

  get fanIn(): number {
    return this.baseWeight.shape[0];
  }

  get initStyle(): 'embedding' {
    return 'embedding';
  }

  weightMatrix(weight: tf.Tensor): tf.Tensor2D {
    return tf.transpose(weight) as tf.Tensor2D;
  }

  protected weightFromMatrix(matrix: tf.Tensor2D): tf.Tensor {
    return tf.transpose(matrix);
  }

  factorMatrices(adapter: string): { a: tf.Tensor2D; b: tf.Tensor2D } {
    return { a: this.lora_embedding_A.get(adapter).read() as tf.Tensor2D, b: this.lora_embedding_B.get(adapter).read() as tf.Tensor2D };
  }

  protected assignFactors(adapter: string, a: tf.Tensor2D, b: tf.Tensor2D): void {
    this.lora_embedding_A.get(adapter).assign(a);
    this.lora_embedding_B.get(adapter).assign(b);
  }

  /** Token ids are not dropped out (peft applies no dropout to embedding adapters). */
  override dropoutInput(_adapter: string, ids: tf.Tensor): tf.Tensor {
    return ids;
  }

  loraOutput(adapter: string, ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const { a, b } = this.factorMatrices(adapter);
      const columns = tf.gather(a, tf.reshape(ids, [-1]), 1); // [r, tokens]
      const update = matMul(columns, b, true, true); // [tokens, dim]
      return tf.mul(tf.reshape(update, [...ids.shape, this.outUnits]), this.adapterSettings(adapter).scaling);
    });
  }

  protected createFactors(adapter: string, r: number, loraBias: boolean): void {
    if (loraBias) throw new InvalidArgumentError('LORA: lora_bias is not supported for Embedding layers (peft has none either)');
    this.lora_embedding_A.create(adapter, tf.zeros([r, this.fanIn]));
    this.lora_embedding_B.create(adapter, tf.zeros([this.outUnits, r]));
  }

  protected factorShapes(adapter: string, r: number): Array<[string, number[]]> {
    return [
      [`lora_embedding_A.${adapter}`, [r, this.fanIn]],
      [`lora_embedding_B.${adapter}`, [this.outUnits, r]],
    ];
  }

  protected disposeFactors(adapter: string): void {
    this.lora_embedding_A.delete(adapter)?.dispose();
    this.lora_embedding_B.delete(adapter)?.dispose();
  }

  protected loraBiasOf(): undefined {
    return undefined;
  }
}
