/**
 * Task 4: a real third-party model. nsfwjs' MobileNetV2 (Keras, converted to
 * tfjs-layers; trained on five NSFW categories) is imported with
 * @peftjs/models' fromLayersModel and adapted to a small labelled image set:
 * MNIST digits 0-4, resized to 224x224 and repeated over three channels (an
 * honest domain shift, not natural images). LoRA goes on its dense layers
 * (dense_1 1280->256, dense_2 256->128) and a new head replaces dense_3.
 *
 * Every method here trains only the dense top; the convolutional trunk is
 * frozen (its batch norms in inference mode) for all of them, so its output
 * (flatten_1, 1280 features) is computed once per image and cached. The top is
 * run and trained exactly as in the imported graph.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { Linear, cloneModule, loadSafetensorsFile, manualSeed, saveSafetensorsFile, type AnyModule } from '@peftjs/core';
import type * as LayersBridge from '@peftjs/models/tfjs-layers';
import { loadMnist, selectClasses, type ImageSet } from '../data/mnist';
import { packageDirectory } from '../data/resolve';
import { cacheKey } from '../cache/base-cache';
import type { AnyModel, BenchTask, Episode, PreparedTask, Shot, TaskContext, TaskInfo } from '../types';
import { bySize } from './common';

const CLASSES = [0, 1, 2, 3, 4];
const SIZES = {
  test: { evalPerClass: 2, steps: 5 },
  quick: { evalPerClass: 20, steps: 40 },
  full: { evalPerClass: 100, steps: 100 },
};
const MAX_SHOT: Record<keyof typeof SIZES, number> = { test: 1, quick: 5, full: 20 };

const info: TaskInfo = {
  name: 'mobilenet',
  architecture: 'layers-graph',
  transformer: false,
  linearTargets: ['dense_1', 'dense_2'],
  feedForwardTargets: ['dense_2'],
  headPath: 'dense_3',
  // The graph is no architecture the adapter presets know: the same sites by rule (the ReLU on each node follows the adapter).
  bottleneckPlacement: {
    houlsby: [{ module: 'dense_1', position: 'after' }, { module: 'dense_2', position: 'after' }],
    pfeiffer: [{ module: 'dense_2', position: 'after' }],
    parallel: [{ module: 'dense_2', position: 'beside' }],
  },
  adapterLearningRate: 1e-2,
  meta: false,
  metric: { name: 'accuracy', higherIsBetter: true },
};

/** The folder with nsfwjs' MobileNetV2 files (nsfwjs is found beside @peftjs/models when not installed here). */
export function mobilenetDirectory(): string | undefined {
  const models = packageDirectory('@peftjs/models');
  const nsfwjs = packageDirectory('nsfwjs', models ? [path.join(models, 'noop.js')] : []);
  const directory = nsfwjs && path.join(nsfwjs, 'dist', 'models', 'mobilenet_v2');
  return directory && existsSync(path.join(directory, 'model.min.js')) ? directory : undefined;
}

interface ModelJson {
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

async function loadLayersModel(directory: string): Promise<{ model: unknown; digest: string }> {
  const tfl = (await import('@tensorflow/tfjs-layers' as string)) as { loadLayersModel(handler: tf.io.IOHandler): Promise<unknown> };
  const load = createRequire(path.join(directory, 'noop.js'));
  const modelJson = load(path.join(directory, 'model.min.js')) as ModelJson;
  const shard = load(path.join(directory, 'group1-shard1of1.min.js')) as string;
  const bytes = Buffer.from(shard, 'base64');
  const digest = createHash('sha256').update(readFileSync(path.join(directory, 'model.min.js'))).update(bytes).digest('hex').slice(0, 16);
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    }),
  );
  return { model, digest };
}

/** Digits as 224x224x3 images in [0, 1] (nsfwjs feeds pixels / 255). */
function asMobileNetInput(set: ImageSet, start: number, end: number): tf.Tensor4D {
  return tf.tidy(() => {
    const digits = tf.tensor4d(set.images.subarray(start * 784, end * 784), [end - start, 28, 28, 1]);
    return tf.tile(tf.image.resizeBilinear(digits, [224, 224]), [1, 1, 1, 3]) as tf.Tensor4D;
  });
}

export const mobilenetTask: BenchTask = {
  name: 'mobilenet',
  title: "nsfwjs' MobileNetV2 (tfjs-layers) -> MNIST digits 0-4",
  description: "nsfwjs' MobileNetV2 imported from tfjs-layers, adapted with LoRA on its dense layers and a new head to MNIST digits 0-4 resized to 224x224 (a small labelled set far from its training domain)",
  shots: { test: [1], quick: [5], full: [1, 5, 20] },

  async unavailable() {
    if (mobilenetDirectory() === undefined) return "nsfwjs' MobileNetV2 files were not found (install nsfwjs; they are in nsfwjs/dist/models/mobilenet_v2)";
    try {
      await import('@tensorflow/tfjs-layers' as string);
      await import('@peftjs/models/tfjs-layers' as string);
    } catch (error) {
      return `@tensorflow/tfjs-layers did not load (${(error as Error).message.split('\n')[0]})`;
    }
    return undefined;
  },

  async prepare(context: TaskContext): Promise<PreparedTask> {
    const size = bySize(context.size, SIZES);
    const maxShot = MAX_SHOT[context.size];
    const directory = mobilenetDirectory()!;
    const bridge = (await import('@peftjs/models/tfjs-layers' as string)) as typeof LayersBridge;
    const { model: layersModel, digest } = await loadLayersModel(directory);
    const graph = bridge.fromLayersModel(layersModel as Parameters<typeof bridge.fromLayersModel>[0]) as unknown as LayersBridge.LayersGraph;

    // Split the graph at flatten_1: the trunk (run once, cached) and the top (what methods adapt).
    const nodes = graph.spec.nodes;
    const cut = nodes.findIndex((node) => node.module === 'flatten_1');
    if (cut < 0) throw new Error("MobileNetV2 graph: no 'flatten_1' node to split at");
    const featureKey = nodes[cut].key;
    const topNodes = nodes.slice(cut + 1);
    const trunk = new bridge.LayersGraph(
      { name: 'trunk', inputs: graph.spec.inputs, nodes: nodes.slice(0, cut + 1), outputs: [{ node: featureKey, index: 0 }] },
      [...new Set(nodes.slice(0, cut + 1).map((n) => n.module))].map((name) => [name, graph.getSubmodule(name) as AnyModule] as const),
    );
    const trunkParameters = trunk.parameters().reduce((sum, p) => sum + p.size, 0);
    manualSeed(7);
    const head = new Linear(128, CLASSES.length);
    const top = new bridge.LayersGraph(
      { name: 'top', inputs: [{ key: featureKey, name: 'features', batchShape: [null, 1280], dtype: 'float32' }], nodes: topNodes, outputs: graph.spec.outputs },
      [...new Set(topNodes.map((n) => n.module))].map((name) => [name, (name === 'dense_3' ? head : graph.getSubmodule(name)) as AnyModule] as const),
    );

    // Features of the training pool (maxShot per class, per seed drawn from it) and the test images, cached.
    const train = selectClasses(loadMnist('train'), CLASSES, maxShot * 4, 21);
    const test = selectClasses(loadMnist('test'), CLASSES, size.evalPerClass, 0);
    const featureFile = path.join(context.cacheDir, `mobilenet-features-${cacheKey({ digest, train: train.count, test: test.count, backend: context.backend, v: 1 })}.safetensors`);
    let features: Record<string, tf.Tensor>;
    let fromCache = false;
    if (existsSync(featureFile)) {
      features = (await loadSafetensorsFile(featureFile)).tensors;
      fromCache = true;
      context.log('mobilenet: trunk features read from the cache');
    } else {
      context.log(`mobilenet: running the MobileNetV2 trunk on ${train.count + test.count} images (224x224), once`);
      trunk.eval();
      const run = (set: ImageSet) => {
        const parts: tf.Tensor[] = [];
        for (let start = 0; start < set.count; start += 8) {
          const end = Math.min(set.count, start + 8);
          parts.push(tf.tidy(() => trunk.call(asMobileNetInput(set, start, end)) as tf.Tensor));
        }
        const all = tf.concat(parts);
        tf.dispose(parts);
        return all;
      };
      features = { train: run(train), test: run(test) };
      await saveSafetensorsFile(featureFile, features);
    }
    for (const name of ['train', 'test']) tf.keep(features[name]);
    // Only the top stays: the trunk (and the replaced head) are freed.
    const keep = new Set(top.parameters());
    for (const parameter of graph.parameters()) if (!keep.has(parameter)) parameter.dispose();
    (layersModel as { dispose(): void }).dispose();

    const base = (): AnyModel => cloneModule(top) as unknown as AnyModel;
    const testLabels = tf.keep(tf.tensor1d(Array.from(test.labels), 'int32'));
    const probabilities = (model: AnyModel, x: tf.Tensor) => model.call(x as never) as tf.Tensor;
    const correctness = (model: AnyModel): number[] => {
      const wasTraining = model.training;
      model.eval();
      const hits = tf.tidy(() => tf.cast(tf.equal(tf.argMax(probabilities(model, features.test), 1), testLabels), 'int32'));
      model.train(wasTraining);
      const values = Array.from(hits.dataSync());
      hits.dispose();
      return values;
    };
    const accuracy = (model: AnyModel) => {
      const hits = correctness(model);
      return hits.reduce((a, b) => a + b, 0) / hits.length;
    };
    const latency = tf.keep(tf.slice(features.test, [0, 0], [Math.min(16, test.count), -1]));

    return {
      info,
      frozenParameters: trunkParameters,
      notes: [
        `Model: nsfwjs 4.4 MobileNetV2 (Keras 2.2.4, five NSFW categories), ${graph.spec.nodes.length} graph nodes, imported with fromLayersModel; ${trunkParameters.toLocaleString('en-US')} trunk parameters (frozen for every method, counted in the totals), a top of dense_1 (1280->256), dense_2 (256->128) and a new 5-way head in place of dense_3 (its softmax kept).`,
        `Data: MNIST digits 0-4 upscaled to 224x224 and repeated over RGB: a small labelled set far from the model's domain, chosen because it ships in npm. K images per class drawn per seed from a pool of ${train.count}; scored on ${test.count} test digits.`,
        `The trunk's flatten_1 output is computed once per image${fromCache ? ' (read from the cache)' : ''}; methods train the top (${size.steps} Adam steps; full fine-tuning here means the whole top). Latency is the top's forward pass, on 16 feature rows.`,
      ],
      base,
      episodes: (shot: Shot, seed: number): Episode[] => {
        const perClass = shot === 'all' ? maxShot * 4 : Math.min(shot, maxShot * 4);
        const byClass = new Map(CLASSES.map((c) => [c, [] as number[]]));
        const order = Array.from({ length: train.count }, (_, i) => i).sort((a, b) => ((a * 2654435761 + seed * 97) >>> 0) % 1009 - ((b * 2654435761 + seed * 97) >>> 0) % 1009 || a - b);
        for (const i of order) {
          const list = byClass.get(train.labels[i])!;
          if (list.length < perClass) list.push(i);
        }
        const rows = [...byClass.values()].flat();
        const x = tf.gather(features.train, rows);
        const y = tf.tensor1d(rows.map((i) => train.labels[i]), 'int32');
        return [{ train: [{ x, y }], evaluation: null, examples: rows.length, dispose: () => tf.dispose([x, y]) }];
      },
      // The head ends in softmax (kept from the Keras graph): cross-entropy on probabilities.
      loss: (model, batch) =>
        tf.tidy(() => {
          const { x, y } = batch as { x: tf.Tensor; y: tf.Tensor };
          const p = probabilities(model, x);
          return tf.neg(tf.mean(tf.log(tf.add(tf.sum(tf.mul(p, tf.oneHot(y, CLASSES.length)), 1), 1e-7)))) as tf.Scalar;
        }),
      evaluate: (model) => accuracy(model),
      evaluateExamples: (model) => correctness(model),
      steps: () => size.steps,
      learningRate: 1e-3,
      latencyInput: () => latency,
      dispose: () => {
        tf.dispose([features.train, features.test, testLabels, latency]);
        top.dispose();
      },
    };
  },
};
