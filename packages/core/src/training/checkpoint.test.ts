import * as tf from '@tensorflow/tfjs-core';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ShapeMismatchError } from '../errors';
import { markOnlyTrainable } from '../freeze';
import { decodeSafetensors } from '../io/index';
import type { Sequential } from '../nn/layers/sequential';
import { defaultGenerator, manualSeed } from '../nn/random';
import { onBackend } from '../../test/helpers';
import { CHECKPOINT_FILES, listCheckpoints, loadCheckpoint, resolveCheckpoint } from './checkpoint';
import { CheckpointError } from './errors';
import { train } from './loop';
import type { TrainOptions } from './options';
import { buildMlp, disposeBatches, mseLoss, regressionBatches, type Batch } from './test-fixtures';

let dir: string;
let batches: Batch[];
beforeAll(async () => {
  await onBackend('cpu');
  batches = regressionBatches(7, 4);
});
afterAll(() => disposeBatches(batches));
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'peftjs-training-'));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

/** Parameter bits, so "identical" means bit for bit (a -0 / 0 or NaN payload difference would show). */
function bits(model: Sequential): Record<string, number[]> {
  return Object.fromEntries(model.namedParameters().map(([p, v]) => [p, Array.from(new Uint32Array(Float32Array.from(v.variable.dataSync()).buffer))]));
}

/** A fresh model as a new process would build it: same base weights, some frozen, the global RNG elsewhere. */
function freshModel(): Sequential {
  const model = buildMlp({ seed: 42, dropout: 0.3 });
  markOnlyTrainable(model, ['0', '5']);
  return model;
}

const N = 5;
// 7 batches in groups of 2 make 4 steps per epoch (the last group is short): step N=5 is mid-epoch 1.
const options: TrainOptions<Sequential, Batch> = {
  progress: false,
  loss: mseLoss,
  optimizer: { name: 'adamw', weightDecay: 0.1 },
  learningRate: 0.02,
  schedule: { type: 'cosine', warmupSteps: 2, totalSteps: 2 * N },
  shuffle: true,
  gradientAccumulationSteps: 2,
  maxGradNorm: 0.5,
};

describe('checkpoint and resume', () => {
  // Split mid-epoch (5) and exactly at an epoch's end (4).
  test.each([N, 4])('2N steps straight = split at %i, checkpoint, fresh model, the rest: bit-identical (dropout, shuffle, accumulation, schedule)', async (split) => {
    const straightModel = freshModel();
    const straight = await train(straightModel, batches, { ...options, maxSteps: 2 * N });

    const first = freshModel();
    const firstHistory = await train(first, batches, { ...options, maxSteps: split, checkpoint: { dir } });
    expect(firstHistory).toMatchObject({ step: split, stopReason: 'max-steps', epoch: 1 });
    first.dispose();

    manualSeed(12345); // whatever happened since: the checkpoint's RNG state must win
    const resumedModel = freshModel();
    defaultGenerator().nextUint32();
    const resumed = await train(resumedModel, batches, { ...options, maxSteps: 2 * N, resumeFrom: dir });

    expect(bits(resumedModel)).toEqual(bits(straightModel));
    expect(resumed.losses).toEqual(straight.losses);
    expect(resumed.learningRates).toEqual(straight.learningRates);
    expect(resumed.gradNorms).toEqual(straight.gradNorms);
    expect(resumed.epochs).toEqual(straight.epochs);
    expect(resumed).toMatchObject({ step: 2 * N, epoch: straight.epoch, stopReason: 'max-steps' });

    // The dropout stream matters: resuming with the RNG disturbed after the restore gives other parameters.
    const disturbed = freshModel();
    await train(disturbed, batches, {
      ...options,
      maxSteps: 2 * N,
      resumeFrom: dir,
      callbacks: { onTrainBegin: () => void defaultGenerator().nextUint32() },
    });
    expect(bits(disturbed)).not.toEqual(bits(straightModel));
    [straightModel, resumedModel, disturbed].forEach((m) => m.dispose());
  });

  test('also with early stopping (best parameters saved) and SGD with Nesterov momentum', async () => {
    const withEval: TrainOptions<Sequential, Batch> = {
      ...options,
      optimizer: { name: 'sgd', momentum: 0.9, nesterov: true },
      learningRate: 0.05,
      evaluate: (m) => tf.tidy(() => ({ loss: mseLoss(m, batches[0]).dataSync()[0] })),
      evalEverySteps: 2,
      earlyStopping: { metric: 'loss', patience: 50, restoreBest: true },
    };
    const straightModel = freshModel();
    const straight = await train(straightModel, batches, { ...withEval, maxSteps: 2 * N });
    const first = freshModel();
    await train(first, batches, { ...withEval, maxSteps: N, checkpoint: { dir } });
    first.dispose();
    const files = await fsp.readdir(path.join(dir, `checkpoint-${N}`));
    expect(files.sort()).toEqual([CHECKPOINT_FILES.bestParameters, CHECKPOINT_FILES.optimizer, CHECKPOINT_FILES.state, CHECKPOINT_FILES.parameters].sort());
    const resumedModel = freshModel();
    const resumed = await train(resumedModel, batches, { ...withEval, maxSteps: 2 * N, resumeFrom: dir });
    expect(bits(resumedModel)).toEqual(bits(straightModel));
    expect(resumed.evaluations).toEqual(straight.evaluations);
    expect(resumed.best).toEqual(straight.best);
    expect(resumed.restoredBest).toBe(true);
    [straightModel, resumedModel].forEach((m) => m.dispose());
  });

  test('saves only trainable parameters and their optimiser state, with the step, schedule and RNG states', async () => {
    const model = freshModel();
    await train(model, batches, { ...options, maxSteps: 3, seed: 5, checkpoint: { dir } });
    const checkpointDir = path.join(dir, 'checkpoint-3');
    const parameters = decodeSafetensors(await fsp.readFile(path.join(checkpointDir, CHECKPOINT_FILES.parameters)));
    expect(Object.keys(parameters.tensors).sort()).toEqual(['0.bias', '0.weight', '5.bias', '5.weight']);
    const optimizer = decodeSafetensors(await fsp.readFile(path.join(checkpointDir, CHECKPOINT_FILES.optimizer)));
    expect(Object.keys(optimizer.tensors).sort()).toEqual(
      ['0.bias', '0.weight', '5.bias', '5.weight'].flatMap((p) => [`${p}.exp_avg`, `${p}.exp_avg_sq`]).sort(),
    );
    const state = JSON.parse(await fsp.readFile(path.join(checkpointDir, CHECKPOINT_FILES.state), 'utf8'));
    expect(state).toMatchObject({
      format: 'peftjs-training-checkpoint',
      version: 1,
      optimizer: { name: 'adamw', config: { learningRate: 0.02, weightDecay: 0.1 }, steps: { '0.weight': 3, '5.bias': 3 } },
      progress: {
        step: 3,
        epoch: 0,
        batchInEpoch: 6,
        schedule: { type: 'cosine', warmupSteps: 2, totalSteps: 10, numCycles: 0.5 },
        rng: { default: defaultGenerator().getState(), data: expect.any(Array), generators: {} },
      },
    });
    expect(state.progress.history.losses).toHaveLength(3);
    tf.dispose([...Object.values(parameters.tensors), ...Object.values(optimizer.tensors)]);
    model.dispose();
  });

  test('periodic saves under checkpoint-<step>, keepLast, and resume from the root picks the newest', async () => {
    const model = freshModel();
    const saved: number[] = [];
    await train(model, batches, { ...options, maxSteps: 7, checkpoint: { dir, everySteps: 2, keepLast: 2 }, callbacks: { onCheckpoint: (c) => void saved.push(c.step) } });
    expect(saved).toEqual([2, 4, 6, 7]);
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([6, 7]);
    expect(await resolveCheckpoint(dir)).toBe(path.join(dir, 'checkpoint-7'));
    const again = freshModel();
    const history = await train(again, batches, { ...options, maxSteps: 8, resumeFrom: dir });
    expect(history.steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    [model, again].forEach((m) => m.dispose());
  });

  test('typed errors: no checkpoint, a model that does not fit, a torn save; the model is left as it was', async () => {
    await expect(resolveCheckpoint(dir)).rejects.toThrow(CheckpointError);
    const empty = freshModel();
    await expect(train(empty, batches, { ...options, resumeFrom: dir })).rejects.toThrow(/expected trainer_state.json or checkpoint-<step> sub-directories/);
    empty.dispose();

    const model = freshModel();
    await train(model, batches, { ...options, maxSteps: 2, checkpoint: { dir } });
    await train(model, batches, { ...options, maxSteps: 1, checkpoint: { dir: path.join(dir, 'other') } });
    const target = path.join(dir, 'checkpoint-2');

    const otherTrainable = buildMlp({ seed: 42, dropout: 0.3 });
    markOnlyTrainable(otherTrainable, ['3']);
    const before = bits(otherTrainable);
    await expect(train(otherTrainable, batches, { ...options, resumeFrom: target })).rejects.toThrow(
      /expected the model's trainable parameters, found a different set \(missing \[3.weight, 3.bias\], unexpected \[0.bias, 0.weight, 5.bias, 5.weight\]\)/,
    );
    expect(bits(otherTrainable)).toEqual(before);

    const sgd = freshModel();
    await expect(train(sgd, batches, { ...options, optimizer: 'sgd', resumeFrom: target })).rejects.toThrow(/expected optimizer state of 'sgd', found 'adamw'/);

    // A crash between renames would leave files of two saves side by side.
    await fsp.copyFile(path.join(dir, 'other', 'checkpoint-1', CHECKPOINT_FILES.optimizer), path.join(target, CHECKPOINT_FILES.optimizer));
    const tensors = tf.memory().numTensors;
    await expect(loadCheckpoint(target)).rejects.toThrow(/optimizer.safetensors belongs to save .*, expected/);
    expect(tf.memory().numTensors).toBe(tensors);
    [model, otherTrainable, sgd].forEach((m) => m.dispose());
  });

  test('a state file that is not JSON, of another format or missing fields is a CheckpointError', async () => {
    const state = path.join(dir, CHECKPOINT_FILES.state);
    await fsp.writeFile(state, 'not json');
    await expect(loadCheckpoint(dir)).rejects.toThrow(/trainer_state.json is not valid JSON/);
    await fsp.writeFile(state, JSON.stringify({ format: 'other' }));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/expected trainer_state.json with format 'peftjs-training-checkpoint', found "other"/);
    await fsp.writeFile(state, JSON.stringify({ format: 'peftjs-training-checkpoint', version: 1, id: 'x', files: [] }));
    await expect(loadCheckpoint(dir)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(path.join(dir, 'absent'))).rejects.toThrow(/expected a file trainer_state.json, found none/);
  });

  test('a shape mismatch on load is a ShapeMismatchError', async () => {
    const model = freshModel();
    await train(model, batches, { ...options, maxSteps: 1, checkpoint: { dir } });
    const other = buildMlp({ seed: 42, hidden: 8, outputs: 3 });
    markOnlyTrainable(other, ['0', '5']);
    const run = train(other, batches, { ...options, loss: () => tf.scalar(0), resumeFrom: dir });
    await expect(run).rejects.toThrow(ShapeMismatchError);
    await expect(train(other, batches, { ...options, resumeFrom: dir })).rejects.toThrow(/checkpoint parameter '5.weight': expected shape \[3, 8\], found \[2, 8\]/);
    [model, other].forEach((m) => m.dispose());
  });
});
