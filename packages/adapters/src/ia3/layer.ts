/**
 * peft's IA3 layer for Linear ([out, in]) and GPT-2's Conv1D ([in, out]): a
 * learned vector `ia3_l` per adapter that scales the layer's output (shape
 * [out, 1]) or, for feed-forward layers, its input (shape [1, in]), peft's
 * shapes, so files load both ways. It merges into the weight (and, when it
 * scales the output, the bias) and unmerges by division.
 *
 * Compositions work here too (Stack, Average, BatchSplit, Parallel): an
 * adapter is "multiply these rows by its vector". Fuse needs bottleneck
 * adapters and is refused when the composition is activated.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdapterLayer, Conv1D, InvalidArgumentError, ParameterDict, init, type MergeOptions, type Module, type Parameter } from '@peftjs/core';
import type { CompositionBlock } from '../composition/blocks';
import { runComposition, type LayerComposer } from '../composition/engine';
import type { CompositionState } from '../composition/state';
import { CompositionError } from '../errors';
import { IA3 } from './config';

/** What IA3 needs of the wrapped layer. */
interface ScaledLinear extends Module {
  readonly weight: Parameter;
  readonly bias?: Parameter;
}

export class IA3Layer extends AdapterLayer {
  readonly peftType = IA3;
  readonly scales: ParameterDict;
  /** Whether the wrapped layer stores its weight [in, out] (Conv1D, peft's fan_in_fan_out). */
  readonly fanInFanOut: boolean;

  constructor(
    base: ScaledLinear,
    readonly isFeedForward: boolean,
    private readonly state: CompositionState,
  ) {
    super(base);
    this.fanInFanOut = base instanceof Conv1D;
    this.scales = this.addModule('ia3_l', new ParameterDict());
  }

  private get linear(): ScaledLinear {
    return this.baseLayer as unknown as ScaledLinear;
  }

  /** peft's init: ones (the identity), or N(0, 1) with init_ia3_weights false. */
  addAdapter(name: string, initOnes: boolean): void {
    const [rows, columns] = this.isFeedForward ? [1, this.inFeatures!] : [this.outFeatures!, 1];
    this.scales.create(name, initOnes ? init.ones([rows, columns]) : init.normal([rows, columns]));
  }

  adapterNames(): string[] {
    return this.scales.keys();
  }

  override setActiveAdapters(names: readonly string[]): void {
    super.setActiveAdapters(names);
    this.state.noteActive(names);
  }

  protected disposeAdapter(name: string): void {
    this.scales.delete(name)?.dispose();
  }

  protected forwardWithAdapters(x: tf.Tensor, adapters: readonly string[]): tf.Tensor {
    return tf.tidy(() => {
      const composition: CompositionBlock = this.state.current() ?? { type: 'Stack', children: adapters };
      const composer: LayerComposer = {
        runs: (name) => this.scales.has(name) && adapters.includes(name),
        apply: (name, h) => tf.mul(h, tf.reshape(this.scales.get(name).read(), [-1])),
        fuse: (block) => {
          throw new CompositionError('unsupported-adapter', `Fuse '${block.name}' needs bottleneck adapters; IA3 adapters cannot be fused`);
        },
      };
      if (this.isFeedForward) return this.baseLayer.call(runComposition(composition, x, composer));
      return runComposition(composition, this.baseLayer.call(x), composer);
    });
  }

  /** Merging folds each adapter in on its own, which only a plain stack of adapters allows. */
  override get mergeable(): boolean {
    const composition = this.state.current();
    return composition === undefined || (composition.type === 'Stack' && composition.children.every((child) => typeof child === 'string'));
  }

  /** The vector laid out to multiply the stored weight element-wise. */
  private weightFactor(name: string): tf.Tensor {
    const scale = this.scales.get(name).variable;
    return this.fanInFanOut ? tf.transpose(scale) : scale;
  }

  protected override mergeAdapter(name: string, options: MergeOptions): void {
    this.rescale(name, options, (value, factor) => tf.mul(value, factor));
  }

  protected override unmergeAdapter(name: string): void {
    this.rescale(name, {}, (value, factor) => tf.div(value, factor));
  }

  private rescale(name: string, options: MergeOptions, op: (value: tf.Tensor, factor: tf.Tensor) => tf.Tensor): void {
    const { weight, bias } = this.linear;
    const [newWeight, newBias] = tf.tidy(() => {
      const w = op(weight.variable, this.weightFactor(name));
      const b = !this.isFeedForward && bias ? op(bias.variable, tf.reshape(this.scales.get(name).variable, [-1])) : undefined;
      return [w, b] as const;
    });
    try {
      if (options.safe && !tf.tidy(() => tf.all(tf.isFinite(newWeight)).dataSync()[0])) {
        throw new InvalidArgumentError(`${IA3}: merging '${name}' gives non-finite weights`);
      }
      weight.assign(newWeight);
      if (newBias) bias!.assign(newBias);
    } finally {
      tf.dispose([newWeight, newBias].filter((t): t is tf.Tensor => t !== undefined));
    }
  }
}

export function isIA3Layer(module: unknown): module is IA3Layer {
  return module instanceof IA3Layer;
}
