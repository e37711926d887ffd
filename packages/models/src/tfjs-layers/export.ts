/**
 * Module tree -> tf.LayersModel, for trees whose every module has a tfjs-layers
 * counterpart (merge LoRA and similar wrappers away first). Weights are copied
 * in the layouts import.ts documents, transposed back. Exporters are looked up in
 * a registry by module class (subclasses inherit their parent's), so another
 * package can make its own modules exportable with `registerLayersExporter`.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Activation, Dropout, Embedding, InvalidArgumentError, LayerNorm, Linear, Sequential, type AnyModule, type Module } from '@peftjs/core';
// From the package's main entry, not relative paths: built as a separate entry, this one must
// share the main entry's classes (instanceof, the exporter registry) rather than bundle copies.
import { Conv1D, Conv2D, Flatten, MaxPool2D, UnsupportedLayerError } from '@peftjs/models';
import { KERAS_ACTIVATION_OF } from './activations';
import { LayersGraph, type TensorRef } from './graph';
import { uniqueName } from './names';
import { layerFromConfig, WrappedLayer } from './wrapped-layer';

export interface ExportContext {
  /** Dotted path of the module being exported ('' for the root), for layer names and errors. */
  readonly path: string;
  /**
   * A layer name not yet used in the model: the module's own name where it has
   * one (`dense_1` in an imported graph), else `kind` and the path (`dense_0` for
   * Sequential child '0').
   */
  layerName(kind: string): string;
  /** `name`, or `name_1`, `name_2`, ... if taken: layer names must be unique in a model. */
  reserveName(name: string): string;
  /** Sets `values` as the layer's weights once the model is built (tfjs creates weights on first apply). Takes ownership. */
  setWeights(layer: tfl.layers.Layer, values: tf.Tensor[]): void;
  /** The layers of a child module; `activation` is a Keras activation to apply after it. */
  exportChild(module: AnyModule, childPath: string, activation?: string): ExportedLayers;
}

/**
 * The tfjs layers standing for one module. `apply` may be called several times
 * (a layer shared by several graph nodes): the layers, and so their weights, are made once.
 */
export interface ExportedLayers {
  apply(inputs: tfl.SymbolicTensor[]): tfl.SymbolicTensor[];
  /** Whether the `activation` asked for is applied inside (Dense and Conv2D take one). */
  readonly fusedActivation: boolean;
}

export type LayersExporter<M> = (module: M, context: ExportContext, activation: string | undefined) => ExportedLayers;

type AnyExporter = LayersExporter<never>;
const exporters = new Map<abstract new (...args: never[]) => unknown, AnyExporter>();

/** Makes modules of `moduleClass` (and its subclasses) exportable. A later registration replaces an earlier one. */
export function registerLayersExporter<M>(moduleClass: abstract new (...args: never[]) => M, exporter: LayersExporter<M>): void {
  exporters.set(moduleClass, exporter as AnyExporter);
}

function exporterFor(module: AnyModule): AnyExporter | undefined {
  for (let proto = Object.getPrototypeOf(module); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const exporter = exporters.get(proto.constructor);
    if (exporter) return exporter;
  }
  return undefined;
}

export interface ToLayersModelOptions {
  /**
   * Input shapes without the batch dimension, one per input. Default: a
   * LayersGraph's own; [inFeatures] for a Sequential starting with a Linear.
   */
  readonly inputShapes?: ReadonlyArray<readonly (number | null)[]>;
  readonly inputDtypes?: readonly tf.DataType[];
  readonly name?: string;
}

/**
 * Builds a tf.LayersModel computing what `module` computes (in eval mode), with a
 * copy of its weights. Every module of the tree needs an exporter; this is checked
 * before any tfjs layer is made.
 */
export function toLayersModel(module: Module<never, unknown>, options: ToLayersModelOptions = {}): tfl.LayersModel {
  const root = module as unknown as AnyModule;
  for (const [path, child] of root.namedModules()) {
    if (exporterFor(child) === undefined) {
      throw new UnsupportedLayerError(path || '(root)', child.constructor.name, 'no tfjs-layers counterpart is registered for this module class');
    }
  }
  const specs = inputSpecs(root, options);
  const used = new Set<string>();
  const pending: Array<[tfl.layers.Layer, tf.Tensor[]]> = [];
  const contextFor = (path: string): ExportContext => ({
    path,
    layerName(kind) {
      const last = path.slice(path.lastIndexOf('.') + 1);
      return this.reserveName(path === '' ? kind : /^\d+$/.test(last) ? `${kind}_${path.replace(/\./g, '_')}` : last);
    },
    reserveName(base) {
      return uniqueName(base, used);
    },
    setWeights(layer, values) {
      pending.push([layer, values]);
    },
    exportChild(child, childPath, activation) {
      const context = contextFor(childPath);
      const exported = exporterFor(child)!(child as never, context, activation);
      if (activation === undefined || exported.fusedActivation) return exported;
      const activationLayer = tfl.layers.activation({ activation: activation as never, name: context.layerName('activation') });
      return { apply: (inputs) => asList(activationLayer.apply(exported.apply(inputs)) as tfl.SymbolicTensor), fusedActivation: true };
    },
  });
  try {
    const inputs = specs.map(({ shape, dtype, name }) => tfl.input({ shape: [...shape], dtype: dtype as 'float32', name: contextFor('').reserveName(name) }));
    const outputs = contextFor('').exportChild(root, '').apply(inputs);
    const model = tfl.model({ inputs, outputs, name: options.name ?? `${root.constructor.name}_export` });
    for (const [layer, values] of pending) layer.setWeights(values);
    return model;
  } finally {
    for (const [, values] of pending) tf.dispose(values);
  }
}

function inputSpecs(root: AnyModule, options: ToLayersModelOptions): Array<{ shape: readonly (number | null)[]; dtype: tf.DataType; name: string }> {
  const graphInputs = root instanceof LayersGraph ? root.spec.inputs : undefined;
  let shapes = options.inputShapes ?? graphInputs?.map((input) => input.batchShape.slice(1));
  if (shapes === undefined && root instanceof Sequential) {
    const first = root.namedChildren()[0]?.[1];
    if (first instanceof Linear) shapes = [[first.inFeatures]];
  }
  if (shapes === undefined) {
    throw new InvalidArgumentError(`toLayersModel: give options.inputShapes for a ${root.constructor.name} (the input shape cannot be inferred)`);
  }
  return shapes.map((shape, i) => ({ shape, dtype: options.inputDtypes?.[i] ?? graphInputs?.[i]?.dtype ?? 'float32', name: graphInputs?.[i]?.name ?? `input_${i}` }));
}

const asList = (output: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => (Array.isArray(output) ? output : [output]);
const unwrap = (inputs: tfl.SymbolicTensor[]) => (inputs.length === 1 ? inputs[0] : inputs);

/** One fresh layer, its weights scheduled; `fused` says whether it applies the requested activation itself. */
function layerExport(layer: tfl.layers.Layer, context: ExportContext, weights: tf.Tensor[] = [], fused = false): ExportedLayers {
  if (weights.length > 0) context.setWeights(layer, weights);
  return { apply: (inputs) => asList(layer.apply(unwrap(inputs)) as tfl.SymbolicTensor | tfl.SymbolicTensor[]), fusedActivation: fused };
}

registerLayersExporter(Sequential, (module, context) => {
  const children = module.namedChildren().map(([name, child]) => context.exportChild(child, join(context.path, name)));
  return { apply: (inputs) => children.reduce((x, child) => child.apply(x), inputs), fusedActivation: false };
});

registerLayersExporter(LayersGraph, (graph, context) => {
  const spec = graph.spec;
  // Each child becomes its layers once; a child called by several nodes (a shared layer) applies them again.
  const children = new Map<string, ExportedLayers>();
  const childOf = (name: string, activation: string | undefined) => {
    if (!children.has(name)) children.set(name, context.exportChild(graph.getSubmodule(name), join(context.path, name), activation));
    return children.get(name)!;
  };
  const run = (inputs: tfl.SymbolicTensor[]) => {
    const values = new Map<string, tfl.SymbolicTensor[]>(spec.inputs.map((input, i) => [input.key, [inputs[i]]]));
    const read = (ref: TensorRef) => values.get(ref.node)![ref.index];
    for (const node of spec.nodes) values.set(node.key, childOf(node.module, node.activation).apply(node.inputs.map(read)));
    return spec.outputs.map(read);
  };
  if (context.path === '') return { apply: run, fusedActivation: false };
  // A nested graph stays a nested model, as it was in the model it was imported from.
  const name = context.layerName(spec.name);
  const inputs = spec.inputs.map((input) => tfl.input({ shape: input.batchShape.slice(1), dtype: input.dtype as 'float32', name: context.reserveName(input.name) }));
  const nested = tfl.model({ inputs, outputs: run(inputs), name });
  return { apply: (x) => asList(nested.apply(unwrap(x)) as tfl.SymbolicTensor | tfl.SymbolicTensor[]), fusedActivation: false };
});

registerLayersExporter(Linear, (linear, context, activation) => {
  const layer = tfl.layers.dense({ units: linear.outFeatures, useBias: linear.bias !== undefined, activation: (activation ?? 'linear') as never, name: context.layerName('dense') });
  return layerExport(layer, context, [tf.transpose(linear.weight.read()), ...(linear.bias ? [tf.clone(linear.bias.read())] : [])], true);
});

registerLayersExporter(Conv1D, (conv, context, activation) => {
  // GPT-2's Conv1D weight [in, out] is already a Dense kernel.
  const layer = tfl.layers.dense({ units: conv.outFeatures, activation: (activation ?? 'linear') as never, name: context.layerName('dense') });
  return layerExport(layer, context, [tf.clone(conv.weight.read()), tf.clone(conv.bias.read())], true);
});

registerLayersExporter(Conv2D, (conv, context, activation) => {
  const name = context.layerName('conv2d');
  const layer = tfl.layers.conv2d({
    filters: conv.outChannels,
    kernelSize: conv.kernelSize,
    strides: conv.stride,
    dilationRate: conv.dilation,
    padding: conv.padding === 'same' ? 'same' : 'valid',
    useBias: conv.bias !== undefined,
    activation: (activation ?? 'linear') as never,
    name,
  });
  const convolution = layerExport(layer, context, [tf.transpose(conv.weight.read(), [2, 3, 1, 0]), ...(conv.bias ? [tf.clone(conv.bias.read())] : [])], true);
  if (conv.padding === 'same' || conv.padding === 'valid') return convolution;
  // Keras convolutions pad only 'same'/'valid'; symmetric padding is a ZeroPadding2D before a 'valid' one.
  const [ph, pw] = conv.padding;
  const pad = layerExport(tfl.layers.zeroPadding2d({ padding: [[ph, ph], [pw, pw]], name: `${name}_pad` }), context);
  return { apply: (inputs) => convolution.apply(pad.apply(inputs)), fusedActivation: true };
});

registerLayersExporter(Embedding, (embedding, context) =>
  layerExport(tfl.layers.embedding({ inputDim: embedding.numEmbeddings, outputDim: embedding.embeddingDim, name: context.layerName('embedding') }), context, [
    tf.clone(embedding.weight.read()),
  ]),
);

registerLayersExporter(LayerNorm, (norm, context) => {
  const affine = norm.weight !== undefined && norm.bias !== undefined;
  const layer = tfl.layers.layerNormalization({ axis: -1, epsilon: norm.eps, center: affine, scale: affine, name: context.layerName('layer_normalization') });
  return layerExport(layer, context, affine ? [tf.clone(norm.weight!.read()), tf.clone(norm.bias!.read())] : []);
});

registerLayersExporter(Dropout, (dropout, context) => layerExport(tfl.layers.dropout({ rate: dropout.rate, name: context.layerName('dropout') }), context));

registerLayersExporter(Activation, (activation, context) => {
  const name = activation.activationName;
  if (name === 'leaky_relu') return layerExport(tfl.layers.leakyReLU({ alpha: 0.01, name: context.layerName('leaky_re_lu') }), context);
  const keras = KERAS_ACTIVATION_OF[name];
  if (keras === undefined) throw new UnsupportedLayerError(context.path, 'Activation', `activation '${name}' has no Keras counterpart`);
  return layerExport(tfl.layers.activation({ activation: keras as never, name: context.layerName('activation') }), context);
});

registerLayersExporter(MaxPool2D, (pool, context) =>
  layerExport(tfl.layers.maxPooling2d({ poolSize: pool.poolSize, strides: pool.stride, padding: 'valid', name: context.layerName('max_pooling2d') }), context),
);

registerLayersExporter(Flatten, (_, context) => layerExport(tfl.layers.flatten({ name: context.layerName('flatten') }), context));

registerLayersExporter(WrappedLayer, (wrapped, context) => {
  const config = { ...wrapped.layer.getConfig(), name: context.layerName(wrapped.layer.getClassName().toLowerCase()) };
  return layerExport(layerFromConfig(wrapped.className, config, context.path), context, wrapped.parameters().map((p) => tf.clone(p.read())));
});

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}
