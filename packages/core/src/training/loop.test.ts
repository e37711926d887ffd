import * as tf from '@tensorflow/tfjs-core';
import { NotFoundError } from '../errors';
import { freeze, markOnlyTrainable, trainableParameters } from '../freeze';
import { expectClose, onBackend } from '../../test/helpers';
import { AdamW } from './adamw';
import { clipCoefficient } from './clip';
import { LossNotConnectedError, NoTrainableParametersError, NonFiniteLossError, TrainingDataError, TrainingOptionError } from './errors';
import { train } from './loop';
import { SGD } from './sgd';
import { buildMlp, disposeBatches, mseLoss, regressionBatches, snapshot, type Batch } from './test-fixtures';

beforeAll(() => onBackend('cpu'));

const quiet = { progress: false } as const;

describe('train: what it updates and how', () => {
  test('matches a hand-written loop of tf.variableGrads + the same optimiser, bit for bit', async () => {
    const batches = regressionBatches(5, 4);
    const model = buildMlp();
    const history = await train(model, batches, { ...quiet, loss: mseLoss, epochs: 2, optimizer: 'adamw', learningRate: 0.01 });

    const reference = buildMlp();
    const named = trainableParameters(reference);
    const optimizer = new AdamW({ learningRate: 0.01 });
    const losses: number[] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      for (const batch of batches) {
        const { value, grads } = tf.variableGrads(() => mseLoss(reference, batch), named.map(([, p]) => p.variable));
        losses.push(value.dataSync()[0]);
        optimizer.applyGradients(named.map(([name, p]) => ({ name, variable: p.variable, gradient: grads[p.variable.name] })));
        tf.dispose([value, ...Object.values(grads)]);
      }
    }
    expect(snapshot(model)).toEqual(snapshot(reference));
    expect(history.losses).toEqual(losses);
    expect(history.steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(history).toMatchObject({ stopReason: 'epochs-completed', step: 10, epoch: 2 });
    expect(history.losses[9]).toBeLessThan(history.losses[0]);
    optimizer.dispose();
    [model, reference].forEach((m) => m.dispose());
    disposeBatches(batches);
  });

  test('frozen parameters never change and get no optimiser state', async () => {
    const batches = regressionBatches(3, 4);
    const model = buildMlp();
    markOnlyTrainable(model, ['3', '5.bias']);
    const before = snapshot(model);
    const optimizer = new AdamW({ learningRate: 0.05 });
    await train(model, batches, { ...quiet, loss: mseLoss, optimizer, epochs: 2 });
    const after = snapshot(model);
    for (const path of ['0.weight', '0.bias', '5.weight']) expect(after[path]).toEqual(before[path]);
    for (const path of ['3.weight', '3.bias', '5.bias']) expect(after[path]).not.toEqual(before[path]);
    expect(optimizer.parameterNames().sort()).toEqual(['3.bias', '3.weight', '5.bias']);
    optimizer.dispose();
    model.dispose();
    disposeBatches(batches);
  });

  test('accumulating 4 micro-batches of 2 makes the same update as one batch of 8 (mean loss)', async () => {
    const [big] = regressionBatches(1, 8);
    const micro: Batch[] = [0, 2, 4, 6].map((start) => ({ x: tf.slice(big.x, [start, 0], [2, -1]), y: tf.slice(big.y, [start, 0], [2, -1]) }));
    const whole = buildMlp();
    const accumulated = buildMlp();
    const sgd = { name: 'sgd', momentum: 0.9 } as const;
    const one = await train(whole, [big], { ...quiet, loss: mseLoss, optimizer: sgd, learningRate: 0.1 });
    const four = await train(accumulated, micro, { ...quiet, loss: mseLoss, optimizer: sgd, learningRate: 0.1, gradientAccumulationSteps: 4 });
    expect(four.steps).toEqual([1]);
    expect(four.losses[0]).toBeCloseTo(one.losses[0], 6);
    expect(four.gradNorms[0]).toBeCloseTo(one.gradNorms[0], 5);
    const a = snapshot(whole);
    const b = snapshot(accumulated);
    for (const path of Object.keys(a)) expectClose(b[path], a[path], 1e-6, 1e-5);
    expect(snapshot(accumulated)).not.toEqual(snapshot(buildMlp()));
    [whole, accumulated].forEach((m) => m.dispose());
    disposeBatches([big, ...micro]);
  });

  test('a last group shorter than the accumulation count still makes a step', async () => {
    const batches = regressionBatches(5, 2);
    const model = buildMlp();
    const history = await train(model, batches, { ...quiet, loss: mseLoss, gradientAccumulationSteps: 2, epochs: 2 });
    expect(history.steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(history.epochs.map((e) => e.step)).toEqual([3, 6]);
    model.dispose();
    disposeBatches(batches);
  });

  test('clips the global gradient norm and reports the norm before clipping', async () => {
    const batches = regressionBatches(1, 8);
    const unclipped = buildMlp();
    const clipped = buildMlp();
    const plain = await train(unclipped, batches, { ...quiet, loss: mseLoss, optimizer: 'sgd', learningRate: 0.1 });
    const norm = plain.gradNorms[0];
    const history = await train(clipped, batches, { ...quiet, loss: mseLoss, optimizer: 'sgd', learningRate: 0.1, maxGradNorm: norm / 4 });
    expect(history.gradNorms[0]).toBe(norm);
    // For SGD the update is lr * gradient: clipping shrinks it by the clip coefficient.
    const start = snapshot(buildMlp());
    const full = snapshot(unclipped);
    const short = snapshot(clipped);
    const coefficient = clipCoefficient(norm, norm / 4);
    for (const path of Object.keys(start)) {
      expectClose(short[path].map((v, i) => v - start[path][i]), full[path].map((v, i) => coefficient * (v - start[path][i])), 1e-7, 1e-4);
    }
    [unclipped, clipped].forEach((m) => m.dispose());
    disposeBatches(batches);
  });

  test('follows the schedule: the first warm-up step has lr 0, as in Hugging Face', async () => {
    const batches = regressionBatches(4, 2);
    const model = buildMlp();
    const before = snapshot(model);
    const history = await train(model, batches, {
      ...quiet,
      loss: mseLoss,
      optimizer: new SGD({ learningRate: 0.2 }),
      epochs: 2,
      schedule: { type: 'linear', warmupSteps: 2 },
      maxSteps: 6,
      callbacks: {
        onStepEnd(info) {
          if (info.step === 1) expect(snapshot(model)).toEqual(before);
        },
      },
    });
    expectClose(history.learningRates, [0, 0.1, 0.2, 0.15, 0.1, 0.05], 1e-12, 1e-12);
    expect(history.stopReason).toBe('max-steps');
    model.dispose();
    disposeBatches(batches);
  });

  test('maxSteps alone repeats the data; a seeded shuffle changes the order, repeatably', async () => {
    const batches = regressionBatches(3, 2);
    const order = async (options: { shuffle: boolean; seed?: number }) => {
      const seen: number[] = [];
      const model = buildMlp();
      await train(model, batches, { ...quiet, ...options, maxSteps: 9, loss: (m, b) => (seen.push(batches.indexOf(b)), mseLoss(m, b)) });
      model.dispose();
      return seen;
    };
    expect(await order({ shuffle: false })).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    const shuffled = await order({ shuffle: true, seed: 3 });
    expect(shuffled).toEqual(await order({ shuffle: true, seed: 3 }));
    expect(shuffled).not.toEqual(await order({ shuffle: false }));
    for (let epoch = 0; epoch < 3; epoch++) expect(shuffled.slice(epoch * 3, epoch * 3 + 3).sort()).toEqual([0, 1, 2]);
    disposeBatches(batches);
  });

  test('a function source gets the epoch and a seeded generator; owned batches are disposed', async () => {
    const model = buildMlp();
    const epochs: number[] = [];
    const before = tf.memory().numTensors;
    const history = await train(
      model,
      function* ({ epoch, rng }) {
        epochs.push(epoch);
        yield* regressionBatches(2, 4, { seed: rng.nextUint32() });
      },
      { ...quiet, loss: mseLoss, epochs: 3, disposeBatches: true },
    );
    expect(epochs).toEqual([0, 1, 2]);
    expect(history.step).toBe(6);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  test('async iterables work; a one-shot generator used for two epochs is a typed error', async () => {
    const batches = regressionBatches(2, 2);
    const model = buildMlp();
    async function* stream() {
      yield* batches;
    }
    const history = await train(model, () => stream(), { ...quiet, loss: mseLoss, epochs: 2 });
    expect(history.step).toBe(4);
    await expect(train(model, stream(), { ...quiet, loss: mseLoss, epochs: 2 })).rejects.toThrow(TrainingDataError);
    await expect(train(model, stream(), { ...quiet, loss: mseLoss, epochs: 2 })).rejects.toThrow(/expected batches in epoch 0|epoch 1/);
    model.dispose();
    disposeBatches(batches);
  });
});

describe('train: non-finite values stop training before the update', () => {
  test('NaN loss: NonFiniteLossError with step and value, parameters of the last good step kept', async () => {
    const batches = regressionBatches(4, 2);
    const model = buildMlp();
    let after2: Record<string, Float32Array> = {};
    const error = await train(model, batches, {
      ...quiet,
      loss: (m, b) => (b === batches[2] ? tf.tidy(() => tf.mul(mseLoss(m, b), NaN) as tf.Scalar) : mseLoss(m, b)),
      callbacks: { onStepEnd: (info) => void (info.step === 2 && (after2 = snapshot(model))) },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect(error).toMatchObject({ code: 'NON_FINITE_LOSS', quantity: 'loss', step: 3, epoch: 0 });
    expect(Number.isNaN((error as NonFiniteLossError).value)).toBe(true);
    expect((error as Error).message).toMatch(/training step 3 \(epoch 0\): expected a finite loss, found NaN/);
    expect(snapshot(model)).toEqual(after2);
    model.dispose();
    disposeBatches(batches);
  });

  test('infinite loss and a non-finite gradient norm with a finite loss', async () => {
    const batches = regressionBatches(2, 2);
    const model = buildMlp();
    const before = snapshot(model);
    await expect(train(model, batches, { ...quiet, loss: () => tf.add(tf.scalar(Infinity), tf.sum(model.getParameter('0.bias').read())) as tf.Scalar })).rejects.toMatchObject({
      quantity: 'loss',
      step: 1,
      value: Infinity,
    });
    // sqrt at 0 has an infinite derivative: the loss is 0, the gradient NaN.
    await expect(train(model, batches, { ...quiet, loss: () => tf.sqrt(tf.sum(tf.mul(model.getParameter('0.bias').read(), 0))) as tf.Scalar })).rejects.toMatchObject({
      quantity: 'gradient norm',
      step: 1,
    });
    expect(snapshot(model)).toEqual(before);
    model.dispose();
    disposeBatches(batches);
  });
});

describe('train: typed errors for bad options', () => {
  let batches: Batch[];
  beforeAll(() => void (batches = regressionBatches(1, 2)));
  afterAll(() => disposeBatches(batches));

  test.each([
    ['learningRate 0', { learningRate: 0 }, TrainingOptionError, /learningRate: expected a positive finite number, found 0/],
    ['learningRate -1', { learningRate: -1 }, TrainingOptionError, /learningRate: expected a positive finite number, found -1/],
    ['gradientAccumulationSteps 0', { gradientAccumulationSteps: 0 }, TrainingOptionError, /gradientAccumulationSteps: expected an integer >= 1, found 0/],
    ['gradientAccumulationSteps 1.5', { gradientAccumulationSteps: 1.5 }, TrainingOptionError, /gradientAccumulationSteps: expected an integer >= 1, found 1.5/],
    ['unknown optimizer name', { optimizer: 'adagrad' }, NotFoundError, /unknown optimizer "adagrad": expected one of 'adam', 'adamw', 'sgd'/],
    ['epochs', { epochs: 0 }, TrainingOptionError, /epochs: expected an integer >= 1, found 0/],
    ['maxGradNorm', { maxGradNorm: -1 }, TrainingOptionError, /maxGradNorm/],
    ['misspelt option', { learnigRate: 0.1 }, NotFoundError, /unknown option 'learnigRate'.*Closest names: learningRate/],
    ['evalEverySteps', { evalEverySteps: 5 }, TrainingOptionError, /evalEverySteps: expected an evaluate function to go with it/],
    ['loss', { loss: 'mse' }, TrainingOptionError, /loss: expected a function \(model, batch\) => tf.Scalar, found "mse"/],
    ['learningRate with an optimizer instance', { optimizer: new SGD(), learningRate: 0.1 }, TrainingOptionError, /learningRate: expected no top-level learningRate with an Optimizer instance/],
    ['earlyStopping mode', { earlyStopping: { metric: 'loss', mode: 'lowest' }, evaluate: () => ({ loss: 1 }) }, TrainingOptionError, /earlyStopping.mode: expected one of 'min', 'max', found "lowest"/],
  ])('%s', async (_label, options, type, message) => {
    const model = buildMlp();
    const before = snapshot(model);
    const run = train(model, batches, { ...quiet, loss: mseLoss, ...(options as object) });
    await expect(run).rejects.toThrow(type);
    await expect(train(model, batches, { ...quiet, loss: mseLoss, ...(options as object) })).rejects.toThrow(message);
    expect(snapshot(model)).toEqual(before);
    model.dispose();
  });

  test('a model with no trainable parameters', async () => {
    const model = buildMlp();
    freeze(model);
    await expect(train(model, batches, { ...quiet, loss: mseLoss })).rejects.toThrow(NoTrainableParametersError);
    await expect(train(model, batches, { ...quiet, loss: mseLoss })).rejects.toThrow(
      /expected at least one trainable parameter, found none among 6 parameter\(s\)/,
    );
    model.dispose();
  });

  test('a loss that is not a scalar, or not connected to the trainable parameters', async () => {
    const model = buildMlp();
    await expect(train(model, batches, { ...quiet, loss: (m, b) => m.call(b.x) as tf.Scalar })).rejects.toThrow(/loss.*expected shape \[\], found \[2, 2\]/);
    await expect(train(model, batches, { ...quiet, loss: () => tf.scalar(1) })).rejects.toMatchObject({ code: 'LOSS_NOT_CONNECTED', trainableCount: 6 });
    await expect(train(model, batches, { ...quiet, loss: () => tf.scalar(1) })).rejects.toThrow(LossNotConnectedError);
    model.dispose();
  });
});
