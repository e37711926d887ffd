/**
 * DoRA (Liu et al. 2024): the adapted weight is split into a learned magnitude
 * m per output unit and a direction, W' = m * (W + s B A) / ||W + s B A||,
 * the norm taken over each output unit's row of the weight matrix. As in the
 * paper (section 4.3) and peft, the norm is treated as a constant in training:
 * no gradient flows through it.
 *
 * peft keeps m as `lora_magnitude_vector.<adapter>.weight` in memory and writes
 * it as `lora_magnitude_vector` in files (see register.ts `fileName`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, type Parameter } from '@peftjs/core';
import type { LoraLayer } from '../layer/lora-layer';
import { stopGradient } from '../util/stop-gradient';
import type { LoraVariant } from './variant';

/** Holds one adapter's magnitude as `weight`, so paths are peft's. */
export class DoraMagnitude extends Module<never, never> {
  readonly weight: Parameter;

  constructor(initial: tf.Tensor) {
    super();
    this.weight = this.addParameter('weight', initial);
  }

  forward(): never {
    throw new TypeError('DoraMagnitude holds a parameter and cannot be called');
  }
}

/** The L2 norm of each row: [out, fanIn] -> [out]. */
function rowNorms(matrix: tf.Tensor2D): tf.Tensor1D {
  return tf.sqrt(tf.sum(tf.square(matrix), 1)) as tf.Tensor1D;
}

function magnitude(layer: LoraLayer, adapter: string): tf.Tensor1D {
  return tf.reshape(layer.lora_magnitude_vector.get(adapter).weight.read(), [-1]);
}

export const doraVariant: LoraVariant = {
  name: 'dora',
  batchable: false,

  init(layer, adapter) {
    const norms = tf.tidy(() => tf.reshape(rowNorms(tf.add(layer.weightMatrix(layer.baseWeight.variable), layer.deltaMatrix(adapter))), layer.magnitudeShape));
    layer.lora_magnitude_vector.set(adapter, new DoraMagnitude(norms));
  },

  forward(layer, adapter, x, base, result) {
    const dropped = layer.dropoutInput(adapter, x);
    const norms = stopGradient(rowNorms(tf.add(layer.weightMatrix(layer.baseWeight.read()), layer.deltaMatrix(adapter))));
    const factor = tf.div(magnitude(layer, adapter), norms);
    // With dropout active the base term must see the dropped input, as peft computes it.
    const baseOutput = dropped === x ? base : layer.baseLayer.call(dropped);
    const bias = layer.baseBias?.read();
    const baseWithoutBias = bias === undefined ? baseOutput : tf.sub(baseOutput, bias);
    const update = tf.add(tf.mul(tf.sub(factor, 1), baseWithoutBias), tf.mul(factor, layer.loraOutput(adapter, dropped)));
    return tf.add(result, update);
  },

  merge(layer, adapter, weight) {
    const combined = tf.add(weight, layer.deltaMatrix(adapter)) as tf.Tensor2D;
    const norms = rowNorms(combined);
    const factor = tf.div(magnitude(layer, adapter), norms);
    // The norms of this weight are kept: after merging they cannot be recomputed, and unmerging needs them.
    return { weight: tf.mul(tf.expandDims(factor, 1), combined), kept: norms };
  },

  unmerge(layer, adapter, weight, kept) {
    const factor = tf.div(magnitude(layer, adapter), kept as tf.Tensor1D);
    return tf.sub(tf.div(weight, tf.expandDims(factor, 1)), layer.deltaMatrix(adapter));
  },

  dispose(layer, adapter) {
    layer.lora_magnitude_vector.delete(adapter)?.dispose();
  },
};
