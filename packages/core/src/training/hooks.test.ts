import * as tf from '@tensorflow/tfjs-core';
import { NotFoundError } from '../errors';
import { onBackend } from '../../test/helpers';
import { train } from './loop';
import type { Sequential } from '../nn/layers/sequential';
import { buildMlp, disposeBatches, mseLoss, regressionBatches, snapshot, type Batch } from './test-fixtures';

beforeAll(() => onBackend('cpu'));

const quiet = { progress: false } as const;
let batches: Batch[];
beforeAll(() => void (batches = regressionBatches(4, 4)));
afterAll(() => disposeBatches(batches));

function evalLoss(model: Sequential): { loss: number } {
  return tf.tidy(() => ({ loss: tf.addN(batches.map((b) => mseLoss(model, b))).dataSync()[0] / batches.length }));
}

describe('callbacks', () => {
  test('receive step, epoch, loss and learning rate in order, and can stop training', async () => {
    const model = buildMlp();
    const events: string[] = [];
    const history = await train(model, batches, {
      ...quiet,
      loss: mseLoss,
      epochs: 3,
      learningRate: 0.01,
      callbacks: [
        {
          onTrainBegin: (info) => void events.push(`begin ${info.step} ${info.totalSteps}`),
          onStepEnd(info, control) {
            expect(info).toEqual({ step: expect.any(Number), epoch: expect.any(Number), loss: expect.any(Number), learningRate: 0.01, gradNorm: expect.any(Number) });
            events.push(`step ${info.step} epoch ${info.epoch}`);
            if (info.step === 6) control.stop('enough');
          },
          onEpochEnd: async (info) => void events.push(`epoch ${info.epoch} ends at ${info.step} lr ${info.learningRate}`),
          onTrainEnd: (h) => void events.push(`end ${h.stopReason}`),
        },
      ],
    });
    expect(events).toEqual([
      'begin 0 12',
      'step 1 epoch 0',
      'step 2 epoch 0',
      'step 3 epoch 0',
      'step 4 epoch 0',
      'epoch 0 ends at 4 lr 0.01',
      'step 5 epoch 1',
      'step 6 epoch 1',
      'end callback',
    ]);
    expect(history).toMatchObject({ stopReason: 'callback', stopDetail: 'enough', step: 6, epoch: 1 });
    expect(history.epochs[0].loss).toBeCloseTo(history.losses.slice(0, 4).reduce((a, b) => a + b) / 4, 10);
    model.dispose();
  });
});

describe('evaluation', () => {
  test('every N steps and at epoch ends, in eval mode (dropout off), without duplicates', async () => {
    const model = buildMlp({ dropout: 0.5 });
    const modes: boolean[] = [];
    const history = await train(model, batches, {
      ...quiet,
      loss: mseLoss,
      epochs: 2,
      evaluate: (m, { step }) => {
        modes.push(m.training);
        return { ...evalLoss(m), step };
      },
      evalEverySteps: 3,
      evalEachEpoch: true,
      callbacks: { onEvaluate: (record) => expect(record.metrics.step).toBe(record.step) },
    });
    // Steps 3 and 6 by count, 4 and 8 at epoch ends.
    expect(history.evaluations.map((e) => e.step)).toEqual([3, 4, 6, 8]);
    expect(modes).toEqual([false, false, false, false]);
    expect(model.training).toBe(true);
    model.dispose();
  });

  test('defaults to each epoch when evaluate is given alone', async () => {
    const model = buildMlp();
    const history = await train(model, batches, { ...quiet, loss: mseLoss, epochs: 3, evaluate: evalLoss });
    expect(history.evaluations.map((e) => [e.step, e.epoch])).toEqual([
      [4, 0],
      [8, 1],
      [12, 2],
    ]);
    model.dispose();
  });
});

describe('early stopping', () => {
  /** An evaluation that returns the given values in turn. */
  const scripted = (values: number[]) => {
    let i = 0;
    return () => ({ score: values[Math.min(i++, values.length - 1)] });
  };

  test("mode 'min': stops after `patience` evaluations without improvement and can restore the best parameters", async () => {
    const model = buildMlp();
    const atStep: Record<number, Record<string, Float32Array>> = {};
    const history = await train(model, batches, {
      ...quiet,
      loss: mseLoss,
      maxSteps: 100,
      learningRate: 0.01,
      evaluate: scripted([5, 3, 4, 2.9995, 3.5, 1]),
      evalEverySteps: 1,
      earlyStopping: { metric: 'score', patience: 2, minDelta: 0.001, restoreBest: true },
      callbacks: { onStepEnd: (info) => void (atStep[info.step] = snapshot(model)) },
    });
    // Step 2 (3) is the best; 3 (4) and 4 (2.9995: not better by minDelta) do not improve: stop at 4.
    expect(history.step).toBe(4);
    expect(history.stopReason).toBe('early-stopping');
    expect(history.stopDetail).toMatch(/score did not improve for 2 evaluation\(s\); best 3.0000 at step 2/);
    expect(history.best).toEqual({ metric: 'score', value: 3, step: 2 });
    expect(history.restoredBest).toBe(true);
    expect(snapshot(model)).toEqual(atStep[2]);
    model.dispose();
  });

  test("mode 'max', without restoring", async () => {
    const model = buildMlp();
    let last: Record<string, Float32Array> = {};
    const history = await train(model, batches, {
      ...quiet,
      loss: mseLoss,
      maxSteps: 100,
      evaluate: scripted([0.5, 0.7, 0.6]),
      evalEverySteps: 2,
      earlyStopping: { metric: 'score', mode: 'max' },
      callbacks: { onStepEnd: () => void (last = snapshot(model)) },
    });
    expect(history).toMatchObject({ step: 6, stopReason: 'early-stopping', best: { value: 0.7, step: 4 }, restoredBest: false });
    expect(snapshot(model)).toEqual(last);
    model.dispose();
  });

  test('a metric evaluate does not return is a typed error with suggestions', async () => {
    const model = buildMlp();
    const run = () => train(model, batches, { ...quiet, loss: mseLoss, evaluate: () => ({ val_loss: 1 }), earlyStopping: { metric: 'valLoss' } });
    await expect(run()).rejects.toThrow(NotFoundError);
    await expect(run()).rejects.toThrow(/expected evaluate to return a number named 'valLoss', found keys \[val_loss\]. Closest names: val_loss/);
    model.dispose();
  });
});

describe('progress output', () => {
  test('plain lines when not a TTY: every N steps, evaluations, epochs, a summary', async () => {
    const model = buildMlp();
    const out: string[] = [];
    await train(model, batches, { loss: mseLoss, epochs: 2, evaluate: evalLoss, progress: { write: (t) => void out.push(t), bar: false, logEverySteps: 4 } });
    const text = out.join('');
    expect(text).toMatch(/^step 4\/8 \| epoch 1 \| loss \d\.\d{4} \| lr 1\.00e-3 \| [\d.]+ steps\/s\n/);
    expect(text).toMatch(/epoch 1\/2 done at step 4 \| mean loss \d\.\d{4}\n/);
    expect(text).toMatch(/eval at step 8 \| loss \d\.\d{4}\n/);
    expect(text).toMatch(/training stopped \(epochs-completed\) after 8 steps, 2 epochs, [\d.]+s\n$/);
    expect(text).not.toContain('\r');
    model.dispose();
  });

  test('a bar redrawn in place on a TTY; nothing with progress: false', async () => {
    const model = buildMlp();
    const out: string[] = [];
    await train(model, batches, { loss: mseLoss, epochs: 1, progress: { write: (t) => void out.push(t), bar: true } });
    expect(out.join('')).toMatch(/\r\[={24}\] 100%( eta 0s)? \| step 4\/4 \| epoch 1 \| loss/);
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    await train(model, batches, { loss: mseLoss, progress: false });
    expect(spy).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
    spy.mockRestore();
    log.mockRestore();
    model.dispose();
  });
});
