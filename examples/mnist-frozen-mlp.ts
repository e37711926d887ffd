/**
 * The interim main job (until @peftjs/bench lands): pretrain an MLP on MNIST
 * digits 0-4, then adapt it to digits 5-9 from 10 examples per class, once by
 * full fine-tuning and once with everything but the head frozen. Prints the
 * parameter accounting, accuracy on the new digits and forgetting of the old.
 *
 * Run: npm run bench   (backend: PEFTJS_BACKEND=auto|wasm|cpu|tensorflow, default auto)
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Activation,
  Linear,
  Sequential,
  countParameters,
  manualSeed,
  markOnlyTrainable,
  printTrainableParameters,
  unfreeze,
  useBackend,
  type BackendName,
} from '@peftjs/core';
import { loadMnist, selectDigits, type Digits } from './mnist-data';

const OLD_DIGITS = [0, 1, 2, 3, 4];
const NEW_DIGITS = [5, 6, 7, 8, 9];

function buildMlp(): Sequential {
  return new Sequential(new Linear(784, 256), new Activation('relu'), new Linear(256, 128), new Activation('relu'), new Linear(128, 10));
}

function fit(model: Sequential, data: Digits, epochs: number, learningRate: number, batchSize = 64): number {
  const variables = model.parameters().filter((p) => p.trainable).map((p) => p.variable);
  const optimizer = tf.train.adam(learningRate);
  let lastLoss = NaN;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let start = 0; start < data.count; start += batchSize) {
      const end = Math.min(start + batchSize, data.count);
      const loss = tf.tidy(() => {
        const x = tf.tensor2d(data.images.subarray(start * 784, end * 784), [end - start, 784]);
        const y = tf.oneHot(tf.tensor1d(data.labels.subarray(start, end), 'int32'), 10);
        return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.call(x)) as tf.Scalar, true, variables)!;
      });
      lastLoss = loss.dataSync()[0];
      loss.dispose();
    }
  }
  optimizer.dispose();
  return lastLoss;
}

function accuracy(model: Sequential, data: Digits): number {
  model.eval();
  const predicted = tf.tidy(() => tf.argMax(model.call(tf.tensor2d(data.images, [data.count, 784])), 1).dataSync());
  model.train();
  let correct = 0;
  for (let i = 0; i < data.count; i++) if (predicted[i] === data.labels[i]) correct++;
  return correct / data.count;
}

function shuffled(data: Digits, seed: number): Digits {
  const order = Array.from({ length: data.count }, (_, i) => i);
  let s = seed;
  for (let i = order.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const images = new Float32Array(data.images.length);
  order.forEach((source, row) => images.set(data.images.subarray(source * 784, (source + 1) * 784), row * 784));
  return { images, labels: Int32Array.from(order.map((i) => data.labels[i])), count: data.count };
}

async function main(): Promise<void> {
  const started = Date.now();
  const info = await useBackend((process.env.PEFTJS_BACKEND as BackendName | undefined) ?? 'auto');
  console.log(`backend: ${info.name} (tfjs '${info.tfjsBackend}', ${info.device}, simd ${info.simd}, threads ${info.threads})`);

  const train = loadMnist('train');
  const test = loadMnist('t10k');
  const pretrainSet = shuffled(selectDigits(train, OLD_DIGITS, 1000), 1);
  const fewShotSet = shuffled(selectDigits(train, NEW_DIGITS, 10), 2);
  const oldTest = selectDigits(test, OLD_DIGITS, 200);
  const newTest = selectDigits(test, NEW_DIGITS, 200);

  manualSeed(0);
  const base = buildMlp();
  console.log(`\npretraining on digits 0-4 (${pretrainSet.count} images), all parameters:`);
  printTrainableParameters(base);
  fit(base, pretrainSet, 3, 1e-3);
  console.log(`accuracy on digits 0-4: ${(100 * accuracy(base, oldTest)).toFixed(1)}%`);
  const pretrained = base.stateDict();

  const rows: string[][] = [];
  for (const method of ['full fine-tuning', 'head only (frozen body)', 'last two layers']) {
    manualSeed(0);
    const model = buildMlp();
    model.loadStateDict(pretrained);
    if (method === 'head only (frozen body)') markOnlyTrainable(model, '4');
    if (method === 'last two layers') {
      markOnlyTrainable(model, '4');
      unfreeze(model, '2');
    }
    console.log(`\n${method}:`);
    printTrainableParameters(model);
    const count = countParameters(model, { optimizer: 'adam' });
    fit(model, fewShotSet, 30, 1e-3, 10);
    rows.push([
      method,
      count.trainable.toLocaleString('en-US'),
      `${(100 * count.trainableShare).toFixed(2)}%`,
      `${(count.optimizerStateBytes / 1024).toFixed(1)} KiB`,
      `${(100 * accuracy(model, newTest)).toFixed(1)}%`,
      `${(100 * accuracy(model, oldTest)).toFixed(1)}%`,
    ]);
    model.dispose();
  }
  base.dispose();

  const header = ['method', 'trainable', 'share', 'Adam state', 'acc 5-9 (10-shot)', 'acc 0-4 after'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}`);
  console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s; tensors alive: ${tf.memory().numTensors}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
