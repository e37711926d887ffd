/**
 * LoRA for a Linear (weight [out, in]) and for GPT-2's Conv1D (weight
 * [in, out], peft's `fan_in_fan_out`): lora_A is a Linear in -> r and lora_B a
 * Linear r -> out, both in peft's [out, in] layout whatever the base's, so
 * files line up. Only merging sees the base layout.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Linear, ModuleDict, type Module, type Parameter } from '@peftjs/core';
import { LoraLayer } from './lora-layer';

/** What LoRA needs of a linear base: its weight, maybe a bias, and its sizes. */
export type LinearBase = Module & { readonly weight: Parameter; readonly bias?: Parameter };

export class LoraLinear extends LoraLayer {
  readonly lora_A: ModuleDict<Linear>;
  readonly lora_B: ModuleDict<Linear>;

  /**
   * @param fanInFanOut the base stores its weight [in, out] (GPT-2's Conv1D).
   */
  constructor(
    base: LinearBase,
    readonly fanInFanOut: boolean,
  ) {
    super(base);
    this.lora_A = this.addModule('lora_A', new ModuleDict<Linear>());
    this.lora_B = this.addModule('lora_B', new ModuleDict<Linear>());
  }

  get baseWeight(): Parameter {
    return (this.baseLayer as unknown as LinearBase).weight;
  }

  get outUnits(): number {
    return this.baseWeight.shape[this.fanInFanOut ? 1 : 0];
  }

  get fanIn(): number {
    return this.baseWeight.shape[this.fanInFanOut ? 0 : 1];
  }

  get initStyle(): 'projection' {
    return 'projection';
  }

  override get supportsGatheredBatch(): boolean {
    return true;
  }

  weightMatrix(weight: tf.Tensor): tf.Tensor2D {
    return (this.fanInFanOut ? tf.transpose(weight) : weight) as tf.Tensor2D;
  }

  protected weightFromMatrix(matrix: tf.Tensor2D): tf.Tensor {
    return this.fanInFanOut ? tf.transpose(matrix) : matrix;
  }

  factorMatrices(adapter: string): { a: tf.Tensor2D; b: tf.Tensor2D } {
    return { a: this.lora_A.get(adapter).weight.read() as tf.Tensor2D, b: this.lora_B.get(adapter).weight.read() as tf.Tensor2D };
  }

  protected assignFactors(adapter: string, a: tf.Tensor2D, b: tf.Tensor2D): void {
    this.lora_A.get(adapter).weight.assign(a);
    this.lora_B.get(adapter).weight.assign(b);
  }

  loraOutput(adapter: string, x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.mul(this.lora_B.get(adapter).call(this.lora_A.get(adapter).call(x)), this.adapterSettings(adapter).scaling));
  }

  protected createFactors(adapter: string, r: number, loraBias: boolean): void {
    this.lora_A.set(adapter, new Linear(this.fanIn, r, { bias: false }));
    this.lora_B.set(adapter, new Linear(r, this.outUnits, { bias: loraBias }));
  }

  protected factorShapes(adapter: string, r: number, loraBias: boolean): Array<[string, number[]]> {
    const shapes: Array<[string, number[]]> = [
      [`lora_A.${adapter}.weight`, [r, this.fanIn]],
      [`lora_B.${adapter}.weight`, [this.outUnits, r]],
    ];
    if (loraBias) shapes.push([`lora_B.${adapter}.bias`, [this.outUnits]]);
    return shapes;
  }

  protected override growFactors(adapter: string, rank: number): Array<[Parameter, Parameter]> {
    const oldA = this.lora_A.get(adapter);
    const oldB = this.lora_B.get(adapter);
    const r = oldA.weight.shape[0];
    const newA = new Linear(this.fanIn, rank, { bias: false });
    const newB = new Linear(rank, this.outUnits, { bias: oldB.bias !== undefined });
    const [a, b] = tf.tidy(() => [
      tf.concat([oldA.weight.read(), tf.zeros([rank - r, this.fanIn])], 0),
      tf.concat([oldB.weight.read(), tf.zeros([this.outUnits, rank - r])], 1),
    ]);
    newA.weight.assign(a);
    newB.weight.assign(b);
    tf.dispose([a, b]);
    if (oldB.bias !== undefined) newB.bias!.assign(oldB.bias.read());
    newA.weight.trainable = oldA.weight.trainable;
    newB.weight.trainable = oldB.weight.trainable;
    if (newB.bias !== undefined) newB.bias.trainable = oldB.bias!.trainable;
    this.lora_A.set(adapter, newA);
    this.lora_B.set(adapter, newB);
    const replaced: Array<[Parameter, Parameter]> = [
      [oldA.weight, newA.weight],
      [oldB.weight, newB.weight],
    ];
    if (oldB.bias !== undefined) replaced.push([oldB.bias, newB.bias!]);
    oldA.dispose();
    oldB.dispose();
    return replaced;
  }

  protected disposeFactors(adapter: string): void {
    this.lora_A.delete(adapter)?.dispose();
    this.lora_B.delete(adapter)?.dispose();
  }

  protected loraBiasOf(adapter: string): Parameter | undefined {
    return this.lora_B.has(adapter) ? this.lora_B.get(adapter).bias : undefined;
  }
}
