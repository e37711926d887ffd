/** Plain LoRA: y = base(x) + scaling * B A dropout(x); merging adds scaling * B A to W. */
import * as tf from '@tensorflow/tfjs-core';
import type { LoraVariant } from './variant';

export const loraVariant: LoraVariant = {
  name: 'lora',
  batchable: true,
  init() {},
  forward(layer, adapter, x, _base, result) {
    return tf.add(result, layer.loraOutput(adapter, layer.dropoutInput(adapter, x)));
  },
  merge(layer, adapter, weight) {
    return { weight: tf.add(weight, layer.deltaMatrix(adapter)) };
  },
  unmerge(layer, adapter, weight) {
    return tf.sub(weight, layer.deltaMatrix(adapter));
  },
  dispose() {},
};
