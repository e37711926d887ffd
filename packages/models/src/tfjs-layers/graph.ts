/**
 * A tfjs-layers model as a module tree: one child per layer, named after it
 * (`dense_1`, `block_1_expand`), and the wiring of the original graph, so
 * branches, merges, shared layers and nested models run as in tfjs. Children
 * are read from the tree on every call, so a module swapped in by
 * `setSubmodule` (a LoRA layer on `dense_1`) is the one that runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Module } from '@peftjs/core';
import { applyKerasActivation } from './activations';
import type { LayerInput } from './wrapped-layer';

/** Output `index` of the graph node `node` (an input's key, or `layerName#callIndex`). */
export interface TensorRef {
  readonly node: string;
  readonly index: number;
}

export interface GraphNode {
  /** `layerName#k` for the layer's k-th call in this model. */
  readonly key: string;
  /** The child module that computes it. */
  readonly module: string;
  readonly inputs: readonly TensorRef[];
  /** Keras activation applied after the module: a native Dense or Conv2D keeps its activation here. */
  readonly activation?: string;
  /** Cast inputs to int32 first (Keras feeds Embedding float ids; core's Embedding takes int32). */
  readonly castToInt?: boolean;
}

export interface GraphInputSpec {
  readonly key: string;
  /** The input layer's name, kept on export. */
  readonly name: string;
  /** Shape with the batch dimension, null where any size goes. */
  readonly batchShape: readonly (number | null)[];
  readonly dtype: tf.DataType;
}

export interface LayersGraphSpec {
  readonly name: string;
  readonly inputs: readonly GraphInputSpec[];
  /** In an order where every node comes after the nodes it reads. */
  readonly nodes: readonly GraphNode[];
  readonly outputs: readonly TensorRef[];
}

/** Called with one tensor per model input (a single tensor for one); returns one tensor per output. */
export class LayersGraph extends Module<LayerInput, LayerInput> {
  constructor(
    readonly spec: LayersGraphSpec,
    children: ReadonlyArray<readonly [string, Module<never, unknown>]>,
  ) {
    super();
    for (const [name, child] of children) this.addModule(name, child);
  }

  forward(input: LayerInput): LayerInput {
    const given = Array.isArray(input) ? input : [input];
    const { inputs, nodes, outputs } = this.spec;
    if (given.length !== inputs.length) {
      throw new InvalidArgumentError(`${this.spec.name}: expected ${inputs.length} input tensor(s), found ${given.length}`);
    }
    return tf.tidy(() => {
      const values = new Map<string, tf.Tensor[]>(inputs.map((spec, i) => [spec.key, [given[i]]]));
      const read = (ref: TensorRef) => values.get(ref.node)![ref.index];
      for (const node of nodes) {
        let args = node.inputs.map(read);
        if (node.castToInt) args = args.map((t) => (t.dtype === 'int32' ? t : tf.cast(t, 'int32')));
        const module = this.getSubmodule(node.module) as unknown as Module<LayerInput, LayerInput>;
        const result = module.call(args.length === 1 ? args[0] : args);
        const list = Array.isArray(result) ? result : [result];
        values.set(node.key, node.activation ? list.map((t) => applyKerasActivation(node.activation!, t)) : list);
      }
      const result = outputs.map(read);
      return result.length === 1 ? result[0] : result;
    });
  }
}
