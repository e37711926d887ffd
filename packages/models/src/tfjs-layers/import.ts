/**
 * tf.LayersModel -> LayersGraph. Dense, Conv2D, Embedding, LayerNormalization
 * and Dropout become native modules that PEFT methods can target by name:
 * - Dense kernel [in, out] -> Linear weight [out, in] (transposed);
 * - Conv2D kernel [kh, kw, in, out] -> Conv2D weight [out, in, kh, kw] (NHWC inputs, as Keras' channelsLast);
 * - Embedding embeddings [vocab, dim] and LayerNormalization gamma/beta keep their layout;
 * - the Dense/Conv2D activation is kept on the graph node, so wrapping the module keeps it applied.
 * Every other layer (and Conv2D/LayerNormalization variants we do not mirror) is
 * wrapped whole and frozen (`WrappedLayer`); nested models become nested graphs.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Dropout, Embedding, LayerNorm, Linear, type Module } from '@peftjs/core';
// The main entry's classes, not bundled copies (see export.ts).
import { Conv2D, UnsupportedLayerError } from '@peftjs/models';
import { LayersGraph, type GraphInputSpec, type GraphNode, type TensorRef } from './graph';
import { moduleName, uniqueName } from './names';
import { WrappedLayer } from './wrapped-layer';

interface Converted {
  module: Module<never, unknown>;
  activation?: string;
  castToInt?: boolean;
}

type NodeRef = [string, number, number, unknown?];

interface LayerEntry {
  name: string;
  className: string;
  config: Record<string, unknown>;
  inboundNodes?: NodeRef[][];
}

/** Converts a tfjs-layers model (Sequential or functional, nested models included) into a module tree. */
export function fromLayersModel(model: tfl.LayersModel): LayersGraph {
  const children: Array<[string, Module<never, unknown>]> = [];
  const taken = new Set<string>();
  const childNames = new Map<string, string>();
  const activations = new Map<string, Converted>();
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const converted = convertLayer(layer);
    const name = uniqueName(moduleName(layer.name), taken);
    children.push([name, converted.module]);
    childNames.set(layer.name, name);
    activations.set(layer.name, converted);
  }
  const node = (layerName: string, callIndex: number, inputs: TensorRef[]): GraphNode => {
    const { activation, castToInt } = activations.get(layerName)!;
    return { key: `${layerName}#${callIndex}`, module: childNames.get(layerName)!, inputs, activation, castToInt };
  };
  const inputs: GraphInputSpec[] = model.inputs.map((input, i) => ({
    key: `input#${i}`,
    name: model.inputLayers[i]?.name ?? `input_${i}`,
    batchShape: input.shape,
    dtype: input.dtype,
  }));
  if (model instanceof tfl.Sequential) {
    const nodes: GraphNode[] = [];
    let previous: TensorRef = { node: 'input#0', index: 0 };
    for (const layer of model.layers) {
      if (layer.getClassName() === 'InputLayer') continue;
      nodes.push(node(layer.name, 0, [previous]));
      previous = { node: `${layer.name}#0`, index: 0 };
    }
    return new LayersGraph({ name: model.name, inputs, nodes, outputs: [previous] }, children);
  }
  const config = model.getConfig() as unknown as { layers: LayerEntry[]; inputLayers: NodeRef[]; outputLayers: NodeRef[] };
  // Input layers are graph inputs: their one node is the model input at the same position.
  const inputKey = new Map(config.inputLayers.map(([name, callIndex], i) => [`${name}#${callIndex}`, `input#${i}`]));
  const ref = ([name, callIndex, index]: NodeRef): TensorRef => ({ node: inputKey.get(`${name}#${callIndex}`) ?? `${name}#${callIndex}`, index });
  // Keras numbers a nested model's calls from 1 (its node 0 is its own inner graph), other layers' from 0.
  const firstCall = (name: string) => (model.getLayer(name) instanceof tfl.LayersModel ? 1 : 0);
  const nodes = config.layers
    .filter((entry) => entry.className !== 'InputLayer')
    .flatMap((entry) => (entry.inboundNodes ?? []).map((call, k) => node(entry.name, k + firstCall(entry.name), call.map(ref))));
  return new LayersGraph({ name: model.name, inputs, nodes: topologicalOrder(nodes, inputs), outputs: config.outputLayers.map(ref) }, children);
}

function convertLayer(layer: tfl.layers.Layer): Converted {
  if (layer instanceof tfl.LayersModel) return { module: fromLayersModel(layer) };
  const config = layer.getConfig() as Record<string, unknown>;
  const weights = layer.getWeights();
  const activation = config.activation === 'linear' || config.activation === undefined ? undefined : String(config.activation);
  switch (layer.getClassName()) {
    case 'Dense': {
      const [kernel, bias] = weights;
      const linear = new Linear(kernel.shape[0] as number, kernel.shape[1] as number, { bias: bias !== undefined });
      assignTransposed(linear.weight, kernel, [1, 0]);
      if (bias) linear.bias!.assign(bias);
      return { module: linear, activation };
    }
    case 'Conv2D': {
      if (config.dataFormat !== 'channelsLast' || (config.padding !== 'same' && config.padding !== 'valid')) break;
      const [kernel, bias] = weights;
      const [kh, kw, inChannels, outChannels] = kernel.shape as number[];
      const conv = new Conv2D(inChannels, outChannels, [kh, kw], {
        stride: pairOf(config.strides),
        dilation: pairOf(config.dilationRate),
        padding: config.padding,
        bias: bias !== undefined,
      });
      assignTransposed(conv.weight, kernel, [3, 2, 0, 1]);
      if (bias) conv.bias!.assign(bias);
      return { module: conv, activation };
    }
    case 'Embedding': {
      if (config.maskZero === true) {
        throw new UnsupportedLayerError(layer.name, 'Embedding', 'maskZero: true is not supported (masks are not propagated through the graph)');
      }
      const [table] = weights;
      const embedding = new Embedding(table.shape[0] as number, table.shape[1] as number);
      embedding.weight.assign(table);
      return { module: embedding, castToInt: true };
    }
    case 'LayerNormalization': {
      // Core's LayerNorm normalises the last axis with both gamma and beta; other variants stay wrapped.
      const shapes = layer.inboundNodes[0]?.inputShapes as unknown[] | undefined;
      const inputShape = (Array.isArray(shapes?.[0]) ? shapes[0] : shapes) as unknown[] | undefined;
      const axis = [config.axis].flat();
      const lastAxisOnly = axis.length === 1 && (axis[0] === -1 || axis[0] === (inputShape?.length ?? 0) - 1);
      if (!lastAxisOnly || config.center !== true || config.scale !== true) break;
      const [gamma, beta] = weights;
      const norm = new LayerNorm(gamma.shape[0] as number, { eps: Number(config.epsilon) });
      norm.weight!.assign(gamma);
      norm.bias!.assign(beta);
      return { module: norm };
    }
    case 'Dropout':
      if (config.noiseShape == null) return { module: new Dropout(Number(config.rate)) };
      break;
  }
  return { module: new WrappedLayer(layer) };
}

function assignTransposed(parameter: { assign(t: tf.Tensor): void }, value: tf.Tensor, permutation: number[]): void {
  const transposed = tf.transpose(value, permutation);
  parameter.assign(transposed);
  transposed.dispose();
}

function pairOf(value: unknown): [number, number] {
  return Array.isArray(value) ? [value[0], value[1] ?? value[0]] : [Number(value ?? 1), Number(value ?? 1)];
}

/** Orders nodes so that each follows the nodes it reads (Keras lists layers, not calls, in order). */
function topologicalOrder(nodes: GraphNode[], inputs: readonly GraphInputSpec[]): GraphNode[] {
  const ready = new Set(inputs.map((input) => input.key));
  const ordered: GraphNode[] = [];
  let pending = nodes;
  while (pending.length > 0) {
    const next = pending.filter((n) => !n.inputs.every((input) => ready.has(input.node)));
    const runnable = pending.filter((n) => n.inputs.every((input) => ready.has(input.node)));
    if (runnable.length === 0) {
      throw new UnsupportedLayerError(next[0].key, 'graph', 'the node reads a tensor no other node produces (a cycle, or a layer outside the model)');
    }
    for (const n of runnable) {
      ordered.push(n);
      ready.add(n.key);
    }
    pending = next;
  }
  return ordered;
}
