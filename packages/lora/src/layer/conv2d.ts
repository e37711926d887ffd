/**
 * LoRA for a Conv2D (NHWC input, weight [out, in, kh, kw]), as peft builds it:
 * lora_A is a convolution in -> r with the base's kernel, stride, padding and
 * dilation, lora_B a 1x1 convolution r -> out. B A is then a convolution with
 * the base's geometry, so it merges into the kernel: in the weight matrix view
 * (the kernel flattened to [out, in * kh * kw]) ΔW = B [out, r] A [r, in*kh*kw].
 */
import * as tf from '@tensorflow/tfjs-core';
import { Conv2D, ModuleDict, type Parameter } from '@peftjs/core';
import { LoraLayer } from './lora-layer';

export class LoraConv2d extends LoraLayer {
  readonly lora_A: ModuleDict<Conv2D>;
  readonly lora_B: ModuleDict<Conv2D>;

  constructor(base: Conv2D) {
    super(base);
    this.lora_A = this.addModule('lora_A', new ModuleDict<Conv2D>());
    this.lora_B = this.addModule('lora_B', new ModuleDict<Conv2D>());
  }

  private get conv(): Conv2D {
    return this.baseLayer as unknown as Conv2D;
  }

  get baseWeight(): Parameter {
    return this.conv.weight;
  }

  get outUnits(): number {
    return this.conv.outChannels;
  }

  get fanIn(): number {
    return this.conv.inChannels * this.conv.kernelSize[0] * this.conv.kernelSize[1];
  }

  get initStyle(): 'projection' {
    return 'projection';
  }

  /** peft stores a convolution's DoRA magnitude as [1, out, 1, 1]. */
  override get magnitudeShape(): number[] {
    return [1, this.outUnits, 1, 1];
  }

  weightMatrix(weight: tf.Tensor): tf.Tensor2D {
    return tf.reshape(weight, [this.outUnits, this.fanIn]);
  }

  protected weightFromMatrix(matrix: tf.Tensor2D): tf.Tensor {
    return tf.reshape(matrix, this.baseWeight.shape);
  }

  factorMatrices(adapter: string): { a: tf.Tensor2D; b: tf.Tensor2D } {
    const { r } = this.adapterSettings(adapter);
    return {
      a: tf.reshape(this.lora_A.get(adapter).weight.read(), [r, this.fanIn]),
      b: tf.reshape(this.lora_B.get(adapter).weight.read(), [this.outUnits, r]),
    };
  }

  protected assignFactors(adapter: string, a: tf.Tensor2D, b: tf.Tensor2D): void {
    for (const [conv, value] of [[this.lora_A.get(adapter), a], [this.lora_B.get(adapter), b]] as const) {
      const reshaped = tf.reshape(value, conv.weight.shape);
      conv.weight.assign(reshaped);
      reshaped.dispose();
    }
  }

  loraOutput(adapter: string, x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.mul(this.lora_B.get(adapter).call(this.lora_A.get(adapter).call(x)), this.adapterSettings(adapter).scaling));
  }

  protected createFactors(adapter: string, r: number, loraBias: boolean): void {
    const { inChannels, kernelSize, stride, padding, dilation } = this.conv;
    // peft leaves out the dilation; with it, B A merges exactly into a dilated kernel too.
    this.lora_A.set(adapter, new Conv2D(inChannels, r, kernelSize, { stride, padding, dilation, bias: false }));
    this.lora_B.set(adapter, new Conv2D(r, this.outUnits, 1, { bias: loraBias }));
  }

  protected factorShapes(adapter: string, r: number, loraBias: boolean): Array<[string, number[]]> {
    const { inChannels, kernelSize } = this.conv;
    const shapes: Array<[string, number[]]> = [
      [`lora_A.${adapter}.weight`, [r, inChannels, ...kernelSize]],
      [`lora_B.${adapter}.weight`, [this.outUnits, r, 1, 1]],
    ];
    if (loraBias) shapes.push([`lora_B.${adapter}.bias`, [this.outUnits]]);
    return shapes;
  }

  protected disposeFactors(adapter: string): void {
    this.lora_A.delete(adapter)?.dispose();
    this.lora_B.delete(adapter)?.dispose();
  }

  protected loraBiasOf(adapter: string): Parameter | undefined {
    return this.lora_B.has(adapter) ? this.lora_B.get(adapter).bias : undefined;
  }
}
