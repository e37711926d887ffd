/**
 * Task 1: sinusoid few-shot regression (Finn et al. 2017). The base, an MLP
 * 1-40-40-1, is pretrained on the pooled points of many sinusoids (the paper's
 * "pretrained" baseline); each method then adapts it to a new sinusoid from K
 * points. The MAML family meta-trains from the same base on the same task
 * distribution and adapts with plain gradient steps. Quality: MSE on 50 query
 * points, mean and 95% interval over the evaluation sinusoids of every seed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Adam, manualSeed } from '@peftjs/core';
import { MLP } from '@peftjs/models';
import { SinusoidTaskSampler, pretrainOnTasks, type SinusoidTask } from '@peftjs/meta-learning';
import { cachedBase, restore } from '../cache/base-cache';
import type { AnyModel, BenchTask, Episode, MetaEpisode, PreparedTask, Shot, TaskContext, TaskInfo } from '../types';
import { bySize, mseLoss, type XYBatch } from './common';

const QUERY_POINTS = 50;
const HEAD = '4';

const SIZES = {
  test: { pretrainIterations: 60, tasksPerEpisodeSet: 3, steps: 8, metaIterations: 10, metaBatch: 4 },
  quick: { pretrainIterations: 500, tasksPerEpisodeSet: 5, steps: 15, metaIterations: 100, metaBatch: 5 },
  full: { pretrainIterations: 3000, tasksPerEpisodeSet: 50, steps: 40, metaIterations: 2000, metaBatch: 25 },
};

function buildBase(): MLP {
  return new MLP({ inputSize: 1, hiddenSizes: [40, 40], outputSize: 1 });
}

const info: TaskInfo = {
  name: 'sinusoid',
  architecture: 'mlp',
  transformer: false,
  linearTargets: ['0', '2'],
  feedForwardTargets: ['0', '2'],
  headPath: HEAD,
  // The preset would put the parallel adapter beside layer 0, reading the 1-wide input: no hidden units at any reduction.
  bottleneckPlacement: { parallel: [{ module: '2', position: 'beside' }] },
  adapterLearningRate: 0.03,
  meta: true,
  metric: { name: 'mse', higherIsBetter: false },
};

/** The evaluation sinusoids of a seed, the same for every method (query points are independent draws). */
function evaluationTasks(shot: Shot, seed: number, count: number): SinusoidTask[] {
  const shots = shot === 'all' ? 50 : shot;
  return new SinusoidTaskSampler({ shots, queryShots: QUERY_POINTS, seed: 10_000 + 97 * seed + shots }).sampleMany(count);
}

export const sinusoidTask: BenchTask = {
  name: 'sinusoid',
  title: 'Sinusoid regression (K-shot)',
  description: 'y = A sin(x - phi), A in [0.1, 5], phi in [0, pi], x in [-5, 5]; base MLP 1-40-40-1 pretrained on pooled sinusoids, adapted to a new one from K points',
  shots: { test: [5], quick: [5, 10], full: [5, 10, 20] },

  async prepare(context: TaskContext): Promise<PreparedTask> {
    const size = bySize(context.size, SIZES);
    const recipe = { architecture: 'mlp-1-40-40-1', iterations: size.pretrainIterations, tasksPerBatch: 25, shots: 10, seed: 1, optimizer: 'adam-1e-3', init: 0 };
    const cached = await cachedBase({
      cacheDir: context.cacheDir,
      task: 'sinusoid',
      key: { recipe, backend: context.backend, data: 'SinusoidTaskSampler' },
      log: context.log,
      build: () => {
        manualSeed(0);
        return buildBase();
      },
      pretrain: async (model) => {
        context.log(`sinusoid: pretraining the base on pooled sinusoids (${recipe.iterations} steps)`);
        const started = performance.now();
        const optimizer = new Adam({ learningRate: 1e-3 });
        const losses = pretrainOnTasks(model as never, new SinusoidTaskSampler({ shots: recipe.shots, seed: recipe.seed }), {
          loss: mseLoss,
          iterations: recipe.iterations,
          tasksPerBatch: recipe.tasksPerBatch,
          optimizer,
        });
        optimizer.dispose();
        const tail = losses.slice(-20);
        return { finalLoss: tail.reduce((a, b) => a + b, 0) / tail.length, seconds: (performance.now() - started) / 1000 };
      },
    });
    const base = (): AnyModel => restore(buildBase(), cached.state);
    const latency = tf.keep(tf.tidy(() => tf.reshape(tf.linspace(-5, 5, 64), [64, 1])));

    const episodes = (shot: Shot, seed: number): Episode<XYBatch>[] =>
      evaluationTasks(shot, seed, size.tasksPerEpisodeSet).map((task) => ({
        train: [{ x: task.support.inputs, y: task.support.targets }],
        evaluation: task.query,
        examples: task.support.inputs.shape[0],
        dispose: () => tf.dispose([task.support.inputs, task.support.targets, task.query.inputs, task.query.targets]),
      }));

    const evaluate = (predict: (x: tf.Tensor) => tf.Tensor, query: { inputs: tf.Tensor; targets: tf.Tensor }) => {
      const loss = tf.tidy(() => mseLoss(predict(query.inputs), query.targets));
      const value = loss.dataSync()[0];
      loss.dispose();
      return value;
    };

    return {
      info,
      notes: [
        `Base: MLP 1-40-40-1 pretrained for ${recipe.iterations} Adam steps on the pooled points of 25 random sinusoids per step (${cached.fromCache ? 'read from the cache' : 'trained in this run'}; final loss ${Number(cached.meta.finalLoss).toFixed(3)}).`,
        `Each seed draws ${size.tasksPerEpisodeSet} new sinusoids; a method adapts to each from K points (${size.steps} Adam steps, full batch) and is scored by MSE on ${QUERY_POINTS} other points. Intervals are over all sinusoids of all seeds.`,
        `Meta-learners start from the same pretrained base and meta-train for ${size.metaIterations} steps (meta-batch ${size.metaBatch}, one inner SGD step of 0.01), then adapt with 10 SGD steps of 0.01, as in Finn et al.`,
      ],
      base,
      episodes: episodes as (shot: Shot, seed: number) => Episode[],
      loss: (model, batch) => tf.tidy(() => mseLoss(model.call((batch as XYBatch).x) as tf.Tensor, (batch as XYBatch).y)),
      evaluate: (model, episode) => evaluate((x) => model.call(x) as tf.Tensor, episode.evaluation as { inputs: tf.Tensor; targets: tf.Tensor }),
      steps: () => size.steps,
      learningRate: 0.01,
      latencyInput: () => latency,
      meta: {
        model: base,
        sampler: (seed) => new SinusoidTaskSampler({ shots: 10, seed: 500 + seed }),
        options: { loss: mseLoss, innerSteps: 1, innerLearningRate: 0.01, metaLearningRate: 1e-3 },
        iterations: size.metaIterations,
        metaBatchSize: size.metaBatch,
        adaptSteps: 10,
        episodes: (shot, seed): MetaEpisode[] =>
          evaluationTasks(shot, seed, size.tasksPerEpisodeSet).map((task) => ({
            support: task.support,
            evaluation: task.query,
            dispose: () => tf.dispose([task.support.inputs, task.support.targets, task.query.inputs, task.query.targets]),
          })),
        score: (predict, evaluation) => evaluate(predict, evaluation as { inputs: tf.Tensor; targets: tf.Tensor }),
      },
      dispose: () => {
        tf.dispose(Object.values(cached.state));
        latency.dispose();
      },
    };
  },
};
