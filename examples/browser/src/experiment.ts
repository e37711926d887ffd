/**
 * The experiment the demo runs, shared by the page's worker and the Node check
 * (tools/browser-check), so both build the same base from the same seed and
 * train on the same data: a small MLP regressor, fine-tuned with LoRA towards
 * a target the base was never trained on.
 */
import { getPeftModel, manualSeed, train, type PeftModel, type StepInfo } from '@peftjs/core';
import '@peftjs/lora';
import { MLP } from '@peftjs/models';
import * as tf from '@tensorflow/tfjs-core';

export const SEED = 1234;
export const INPUT_SIZE = 8;
export const OUTPUT_SIZE = 2;
const BATCH_SIZE = 64;
const BATCHES = 4;

export const LORA_CONFIG = { peft_type: 'LORA', r: 4, lora_alpha: 8, target_modules: ['0', '2', '4'] } as const;

export interface Batch {
  readonly x: tf.Tensor2D;
  readonly y: tf.Tensor2D;
}

/** The base model: its weights depend only on SEED (initialisation is seeded and the same on every backend). */
export function makeBase(): MLP {
  manualSeed(SEED);
  return new MLP({ inputSize: INPUT_SIZE, hiddenSizes: [64, 64], outputSize: OUTPUT_SIZE, activation: 'tanh' });
}

/**
 * Inputs from a closed formula rather than an RNG, so they are the same numbers
 * in every runtime; the target is a smooth function of them.
 */
function inputRow(index: number): number[] {
  return Array.from({ length: INPUT_SIZE }, (_, j) => Math.sin(0.37 * index * (j + 1) + j));
}

function target(row: readonly number[]): number[] {
  const a = row[0] * row[1] + 0.5 * row[2];
  const b = Math.cos(row[3] + row[4]) - row[5];
  return [a, b];
}

export function makeBatches(): Batch[] {
  return Array.from({ length: BATCHES }, (_, b) => {
    const rows = Array.from({ length: BATCH_SIZE }, (_, i) => inputRow(b * BATCH_SIZE + i));
    return { x: tf.tensor2d(rows), y: tf.tensor2d(rows.map(target)) };
  });
}

/** Rows the model never trains on: the outputs compared after a reload. */
export function probeInput(): tf.Tensor2D {
  return tf.tensor2d(Array.from({ length: 4 }, (_, i) => inputRow(10_000 + i)));
}

/** The model's outputs on the probe rows, read asynchronously: WebGPU cannot read a buffer synchronously from a worker. */
export async function outputsOf(model: PeftModel): Promise<number[]> {
  const outputs = tf.tidy(() => model.call(probeInput()) as tf.Tensor);
  try {
    return Array.from(await outputs.data());
  } finally {
    outputs.dispose();
  }
}

export function disposeBatches(batches: readonly Batch[]): void {
  for (const batch of batches) tf.dispose([batch.x, batch.y]);
}

export interface StepRecord {
  readonly step: number;
  readonly loss: number;
  /** Wall time of the step, from the end of the one before (the first: from the start of training). */
  readonly ms: number;
}

/** Builds the base, wraps it with LoRA and trains `steps` steps; `onStep` sees each step as it ends. */
export async function trainAdapter(steps: number, onStep: (record: StepRecord) => void = () => undefined): Promise<PeftModel> {
  const model = getPeftModel(makeBase(), LORA_CONFIG);
  const batches = makeBatches();
  let last = performance.now();
  try {
    await train(model, batches, {
      progress: false,
      maxSteps: steps,
      learningRate: 0.01,
      optimizer: 'adam',
      loss: (m, batch) => tf.tidy(() => tf.mean(tf.square(tf.sub(m.call(batch.x) as tf.Tensor, batch.y))) as tf.Scalar),
      callbacks: {
        onStepEnd: (info: StepInfo) => {
          const now = performance.now();
          onStep({ step: info.step, loss: info.loss, ms: now - last });
          last = now;
        },
      },
    });
  } finally {
    disposeBatches(batches);
  }
  return model;
}
