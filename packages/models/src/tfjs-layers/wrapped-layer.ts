/**
 * A tfjs-layers layer with no native module here (BatchNormalization,
 * DepthwiseConv2D, pooling, merges, ...), kept as it is and frozen. Its weights
 * become our Parameters (trainable false): the layer's variables are replaced by
 * the parameters' own, so they are counted, frozen and saved like any other,
 * and the layer computes with them.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, Module, type Parameter } from '@peftjs/core';
import { UnsupportedLayerError } from '@peftjs/models';
import { moduleName, uniqueName } from './names';

export type LayerInput = tf.Tensor | tf.Tensor[];

export class WrappedLayer extends Module<LayerInput, LayerInput> {
  /** A private copy of the imported layer; the original model is left untouched. */
  readonly layer: tfl.layers.Layer;

  constructor(original: tfl.layers.Layer) {
    super();
    this.layer = copyLayer(original);
    const values = original.getWeights();
    const taken = new Set<string>();
    this.layer.weights.forEach((layerVariable, i) => {
      const name = uniqueName(moduleName(layerVariable.originalName.split('/').pop() ?? 'weight'), taken);
      const parameter = this.addParameter(name, tf.clone(values[i]), { trainable: false });
      adoptVariable(layerVariable, parameter);
    });
  }

  /** The tfjs class name ('BatchNormalization', ...). */
  get className(): string {
    return this.layer.getClassName();
  }

  forward(input: LayerInput): LayerInput {
    if (this.parameters().some((p) => p.read() !== p.variable)) {
      throw new InvalidArgumentError(`functionalCall cannot replace the parameters of a wrapped tfjs-layers layer ('${this.layer.name}', ${this.className})`);
    }
    // Layers with weights run in inference mode, as Keras runs frozen layers (BatchNormalization
    // uses its moving statistics); weightless ones (GaussianNoise, ...) follow train()/eval().
    return this.layer.apply(input, { training: this.training && this.layer.weights.length === 0 }) as LayerInput;
  }
}

/** Points a LayerVariable at the parameter's variable, freeing the one it had. */
function adoptVariable(layerVariable: tfl.LayerVariable, parameter: Parameter): void {
  const slot = layerVariable as unknown as { val: tf.Variable };
  if (!(slot.val instanceof tf.Variable)) {
    throw new UnsupportedLayerError(parameter.variable.name, 'LayerVariable', 'this tfjs-layers version stores layer variables differently; the wrapper cannot share them');
  }
  slot.val.dispose();
  slot.val = parameter.variable;
}

/**
 * A fresh instance of `layer` from its config, built for the shapes it was
 * called on (its weights exist, with fresh values). Nothing is shared with `layer`.
 */
export function copyLayer(layer: tfl.layers.Layer): tfl.layers.Layer {
  const copy = layerFromConfig(layer.getClassName(), layer.getConfig(), layer.name);
  if (layer.weights.length > 0) {
    const node = layer.inboundNodes[0];
    if (node === undefined) throw new UnsupportedLayerError(layer.name, layer.getClassName(), 'the layer has weights but was never called, so its input shape is unknown');
    copy.build(node.inputShapes);
  }
  return copy;
}

/** A layer from its class name and config, through tfjs' serialization registry (which custom layers join with registerClass). */
export function layerFromConfig(className: string, config: tf.serialization.ConfigDict, where: string): tfl.layers.Layer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry === undefined) {
    throw new UnsupportedLayerError(where, className, 'the class is not registered with tf.serialization (register custom layers with tf.serialization.registerClass)');
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config) as unknown as tfl.layers.Layer;
}
