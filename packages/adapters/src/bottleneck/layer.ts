/**
 * The layer bottleneck adapters put into a model: it wraps one module and holds,
 * keyed by adapter name as peft does (`adapter_down.<name>.weight`):
 *
 * - adapters on the module's output (`after`) or beside it (`beside`);
 * - "readers": adapters placed elsewhere that read this module's input or
 *   output (a parallel adapter reads the block input from `ln_2`, say), which
 *   this layer records on each forward pass for them;
 * - AdapterFusion layers over its adapters (their own adapters, ADAPTER_FUSION).
 *
 * Its forward pass runs the composition in force (composition/engine.ts) with
 * one adapter as the primitive: y + s * up(f(down(norm?(x)))).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  AdapterLayer,
  AdapterStateError,
  LayerNorm,
  Linear,
  ModuleDict,
  ShapeMismatchError,
  getActivation,
  init,
  type ActivationFn,
  type Module,
} from '@peftjs/core';
import type { CompositionBlock, FuseBlock } from '../composition/blocks';
import { runComposition, type LayerComposer, type RowSelector } from '../composition/engine';
import type { CompositionState } from '../composition/state';
import { PlacementError } from '../errors';
import { fuseAdapterOutputs } from '../fusion/attention';
import { project } from '../util/project';
import { BOTTLENECK } from './config';
import type { PlacementPosition } from './placement-rules';

export type RecordedSide = 'input' | 'output';

export interface BottleneckAdapterOptions {
  readonly position: PlacementPosition;
  readonly inSize: number;
  readonly outSize: number;
  readonly hiddenSize: number;
  readonly nonLinearity: string;
  readonly scaling: number;
  readonly lnBefore: boolean;
  readonly lnAfter: boolean;
  /** `beside` only: the layer and side the adapter reads; absent, this module's own input. */
  readonly source?: { readonly layer: BottleneckLayer; readonly side: RecordedSide };
}

interface AdapterSettings extends BottleneckAdapterOptions {
  readonly activation: ActivationFn;
}

export class BottleneckLayer extends AdapterLayer {
  readonly peftType = BOTTLENECK;
  readonly down: ModuleDict<Linear>;
  readonly up: ModuleDict<Linear>;
  readonly normBefore: ModuleDict<LayerNorm>;
  readonly normAfter: ModuleDict<LayerNorm>;
  readonly fusionQuery: ModuleDict<Linear>;
  readonly fusionKey: ModuleDict<Linear>;
  readonly fusionValue: ModuleDict<Linear>;
  private readonly settings = new Map<string, AdapterSettings>();
  private readonly readers = new Map<string, Set<RecordedSide>>();
  private readonly fusionTemperature = new Map<string, number>();
  private recorded: Partial<Record<RecordedSide, { tensor: tf.Tensor; pass: number }>> = {};

  constructor(
    base: Module,
    private readonly state: CompositionState,
  ) {
    super(base);
    this.down = this.addModule('adapter_down', new ModuleDict<Linear>());
    this.up = this.addModule('adapter_up', new ModuleDict<Linear>());
    this.normBefore = this.addModule('adapter_norm_before', new ModuleDict<LayerNorm>());
    this.normAfter = this.addModule('adapter_norm_after', new ModuleDict<LayerNorm>());
    this.fusionQuery = this.addModule('adapter_fusion_query', new ModuleDict<Linear>());
    this.fusionKey = this.addModule('adapter_fusion_key', new ModuleDict<Linear>());
    this.fusionValue = this.addModule('adapter_fusion_value', new ModuleDict<Linear>());
  }

  // ---- adding ----------------------------------------------------------------

  /** Adds an adapter at this module: down-projection as a Linear's default init, up-projection zero, so it starts as the identity. */
  addAdapter(name: string, options: BottleneckAdapterOptions): void {
    const down = new Linear(options.inSize, options.hiddenSize);
    const zeroBias = init.zeros([options.hiddenSize]);
    down.bias!.assign(zeroBias);
    zeroBias.dispose();
    const up = new Linear(options.hiddenSize, options.outSize);
    for (const parameter of up.parameters()) {
      const zeros = init.zeros(parameter.shape);
      parameter.assign(zeros);
      zeros.dispose();
    }
    this.down.set(name, down);
    this.up.set(name, up);
    if (options.lnBefore) this.normBefore.set(name, new LayerNorm(options.inSize));
    if (options.lnAfter) this.normAfter.set(name, new LayerNorm(options.outSize));
    this.settings.set(name, { ...options, activation: getActivation(options.nonLinearity) });
  }

  /** Records this module's input or output on each forward pass while adapter `name` is active. */
  addReader(name: string, side: RecordedSide): void {
    const sides = this.readers.get(name) ?? new Set<RecordedSide>();
    sides.add(side);
    this.readers.set(name, sides);
  }

  /** Adds fusion `name` over adapters of width `width` (AdapterHub's init: Q, K ~ N(0, 0.02), V = I). */
  addFusion(name: string, width: number, temperature: number): void {
    const projection = (identity: boolean) => {
      const linear = new Linear(width, width);
      const weight = identity ? tf.eye(width) : init.normal([width, width], 0, 0.02);
      const bias = init.zeros([width]);
      linear.weight.assign(weight);
      linear.bias!.assign(bias);
      tf.dispose([weight, bias]);
      return linear;
    };
    this.fusionQuery.set(name, projection(false));
    this.fusionKey.set(name, projection(false));
    this.fusionValue.set(name, projection(true));
    this.fusionTemperature.set(name, temperature);
  }

  /** Whether adapter `name` has its own projections here (rather than only being read for, or a fusion). */
  holdsAdapter(name: string): boolean {
    return this.settings.has(name);
  }

  /** The width adapters at this layer add to, if any adapter sits here. */
  get adapterWidth(): number | undefined {
    return [...this.settings.values()][0]?.outSize;
  }

  adapterNames(): string[] {
    return [...new Set([...this.settings.keys(), ...this.readers.keys(), ...this.fusionTemperature.keys()])];
  }

  override setActiveAdapters(names: readonly string[]): void {
    super.setActiveAdapters(names);
    this.state.noteActive(names);
  }

  protected disposeAdapter(name: string): void {
    for (const dict of [this.down, this.up, this.normBefore, this.normAfter, this.fusionQuery, this.fusionKey, this.fusionValue]) {
      dict.delete(name)?.dispose();
    }
    this.settings.delete(name);
    this.readers.delete(name);
    this.fusionTemperature.delete(name);
  }

  // ---- forward -------------------------------------------------------------------

  protected forwardWithAdapters(input: tf.Tensor, adapters: readonly string[]): tf.Tensor {
    return tf.tidy(() => {
      const reads = (side: RecordedSide) => adapters.some((name) => this.readers.get(name)?.has(side));
      if (reads('input')) this.recorded.input = { tensor: input, pass: this.state.passId };
      const base = this.baseLayer.call(input);
      if (!(base instanceof tf.Tensor) || !(input instanceof tf.Tensor)) {
        throw new PlacementError(
          `${BOTTLENECK}: adapters sit on modules from tensor to tensor, but this ${this.baseLayer.constructor.name} takes or returns an object; place the adapter on one of its tensor submodules`,
        );
      }
      const composition: CompositionBlock = this.state.current() ?? { type: 'Stack', children: adapters };
      const output = runComposition(composition, base, this.composer(input, adapters));
      if (reads('output')) this.recorded.output = { tensor: output, pass: this.state.passId };
      return output;
    });
  }

  /** What this layer recorded in the current forward pass, for an adapter placed elsewhere. */
  recordedTensor(side: RecordedSide, rows: number, reader: string): tf.Tensor {
    const { tensor, pass } = this.recorded[side] ?? {};
    if (tensor === undefined || pass !== this.state.passId || tensor.isDisposed || tensor.shape[0] !== rows) {
      throw new AdapterStateError(
        `${BOTTLENECK} adapter '${reader}' reads the ${side} of a module that did not run before it in this forward pass; place its source before it`,
      );
    }
    return tensor;
  }

  private composer(input: tf.Tensor, adapters: readonly string[]): LayerComposer {
    return {
      runs: (name) => this.settings.has(name) && adapters.includes(name),
      apply: (name, h, rows) => this.applyAdapter(name, h, input, rows),
      fuse: (block, h, outputs) => this.fuse(block, h, outputs),
    };
  }

  private applyAdapter(name: string, h: tf.Tensor, input: tf.Tensor, rows: RowSelector): tf.Tensor {
    const settings = this.settings.get(name)!;
    let x = h;
    if (settings.position === 'beside') {
      const whole = settings.source ? settings.source.layer.recordedTensor(settings.source.side, input.shape[0], name) : input;
      x = rows(whole);
    }
    if (x.shape[x.rank - 1] !== settings.inSize) {
      throw new ShapeMismatchError(`${BOTTLENECK} adapter '${name}' input`, [...x.shape.slice(0, -1), settings.inSize], x.shape);
    }
    if (settings.lnBefore) x = this.normBefore.get(name).call(x);
    let delta = project(settings.activation(project(x, this.down.get(name))), this.up.get(name));
    if (settings.scaling !== 1) delta = tf.mul(delta, settings.scaling);
    const output = tf.add(h, delta);
    return settings.lnAfter ? this.normAfter.get(name).call(output) : output;
  }

  private fuse(block: FuseBlock, h: tf.Tensor, outputs: readonly tf.Tensor[]): tf.Tensor {
    const temperature = this.fusionTemperature.get(block.name);
    if (temperature === undefined) {
      throw new AdapterStateError(`Fuse '${block.name}': this layer holds its adapters but no fusion layer; add it with addFusion()`);
    }
    const projection = (dict: ModuleDict<Linear>) => (x: tf.Tensor) => project(x, dict.get(block.name));
    return fuseAdapterOutputs(h, outputs, {
      query: projection(this.fusionQuery),
      key: projection(this.fusionKey),
      value: projection(this.fusionValue),
      temperature,
    }).output;
  }
}

export function isBottleneckLayer(module: unknown): module is BottleneckLayer {
  return module instanceof BottleneckLayer;
}
