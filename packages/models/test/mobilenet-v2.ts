/**
 * nsfwjs' MobileNetV2 (a Keras 2.2.4 model converted to tfjs-layers, weights
 * quantised to uint8), read from the two JS files nsfwjs ships it in:
 * `model.min.js` is a UMD bundle whose export is the model.json object, and
 * `group1-shard1of1.min.js` one whose export is the weight shard as base64.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

const DIRECTORY = path.resolve(__dirname, '../node_modules/nsfwjs/dist/models/mobilenet_v2');

interface ModelJson {
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

export async function loadMobileNetV2(): Promise<tfl.LayersModel> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const modelJson = require(path.join(DIRECTORY, 'model.min.js')) as ModelJson;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const shard = require(path.join(DIRECTORY, 'group1-shard1of1.min.js')) as string;
  const bytes = Buffer.from(shard, 'base64');
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    }),
  );
}
