import * as tf from '@tensorflow/tfjs-core';
import { onBackend, TEST_BACKENDS } from '../../test/helpers';
import { markOnlyTrainable } from '../freeze';
import { AdamW } from './adamw';
import { NonFiniteLossError } from './errors';
import { train } from './loop';
import { buildMlp, disposeBatches, mseLoss, regressionBatches } from './test-fixtures';

describe.each(TEST_BACKENDS)('no tensor leaks on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test('the tensor count is flat from the first step on, with accumulation, clipping, dropout and evaluation', async () => {
    const batches = regressionBatches(6, 4);
    const model = buildMlp({ dropout: 0.2 });
    markOnlyTrainable(model, ['3', '5']);
    const optimizer = new AdamW({ learningRate: 0.01 });
    const counts: number[] = [];
    const history = await train(model, batches, {
      progress: false,
      loss: mseLoss,
      optimizer,
      epochs: 3,
      gradientAccumulationSteps: 2,
      maxGradNorm: 0.5,
      schedule: { type: 'cosine', warmupSteps: 2 },
      evaluate: (m) => tf.tidy(() => ({ loss: mseLoss(m, batches[0]).dataSync()[0] })),
      earlyStopping: { metric: 'loss', patience: 10, restoreBest: true },
      callbacks: { onStepEnd: () => void counts.push(tf.memory().numTensors) },
    });
    expect(tf.getBackend()).toBe(backend);
    expect(history.step).toBe(9);
    expect(history.losses.every(Number.isFinite)).toBe(true);
    // Steps after the first add nothing. The first evaluation (end of epoch 0, after step 3) adds the
    // early-stopping snapshot of the 4 trainable tensors; later bests replace it, never add to it.
    expect(counts.slice(0, 3)).toEqual([counts[0], counts[0], counts[0]]);
    expect(counts.slice(3)).toEqual(counts.slice(3).map(() => counts[0] + 4));
    optimizer.dispose();
    model.dispose();
    disposeBatches(batches);
  });

  test('a run leaves nothing behind when the loop owns the optimiser', async () => {
    const batches = regressionBatches(3, 4);
    const model = buildMlp();
    const before = tf.memory().numTensors;
    await train(model, batches, { progress: false, loss: mseLoss, optimizer: { name: 'sgd', momentum: 0.9 }, epochs: 2 });
    // A failed run too.
    await expect(train(model, batches, { progress: false, loss: (m, b) => tf.tidy(() => tf.div(mseLoss(m, b), 0) as tf.Scalar), epochs: 2 })).rejects.toThrow(
      NonFiniteLossError,
    );
    await expect(train(model, batches, { progress: false, loss: () => tf.scalar(1) })).rejects.toThrow(/no path from any of them/);
    expect(tf.memory().numTensors).toBe(before);
    // A loss that is not a scalar: a typed error, and every tensor the forward pass made is freed.
    for (let call = 0; call < 3; call++) {
      await expect(train(model, batches, { progress: false, loss: (m, b) => tf.square(tf.sub(m.call(b.x), b.y)) as tf.Scalar })).rejects.toThrow(/reduce it to a scalar/);
      expect(tf.memory().numTensors).toBe(before);
    }
    model.dispose();
    disposeBatches(batches);
  });
});
