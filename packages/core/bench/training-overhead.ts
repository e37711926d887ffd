/**
 * Overhead of `train` over a hand-written tfjs loop, measured in one run as a
 * ratio (absolute times are noisy; a ratio from the same process is not).
 *
 * Both loops train the same MLP (64 -> 128 -> 128 -> 10, tanh/relu, MSE, batch
 * 32) with the same AdamW from peftjs, from the same initial weights and on the
 * same batches. The hand-written loop is the least a user would write:
 * tf.variableGrads over the trainable variables, read the loss (to log it),
 * optimizer.applyGradients, dispose. `train` adds the global gradient norm and
 * the finiteness checks, the schedule, history and callbacks.
 *
 * Run: npx tsx packages/core/bench/training-overhead.ts [steps-per-round] [rounds]
 */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../src/backend/index';
import { trainableParameters } from '../src/freeze';
import { Activation } from '../src/nn/layers/activations';
import { Linear } from '../src/nn/layers/linear';
import { Sequential } from '../src/nn/layers/sequential';
import { Generator, manualSeed } from '../src/nn/random';
import { AdamW, train } from '../src/training/index';

const STEPS = Number(process.argv[2] ?? 100);
const ROUNDS = Number(process.argv[3] ?? 15);
const [INPUTS, HIDDEN, OUTPUTS, BATCH] = [64, 128, 10, 32];

interface Batch {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}

function buildModel(): Sequential {
  manualSeed(0);
  return new Sequential(new Linear(INPUTS, HIDDEN), new Activation('tanh'), new Linear(HIDDEN, HIDDEN), new Activation('relu'), new Linear(HIDDEN, OUTPUTS));
}

function makeBatches(count: number): Batch[] {
  const rng = new Generator(1);
  const fill = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  return Array.from({ length: count }, () => ({ x: tf.tensor2d(fill(BATCH * INPUTS), [BATCH, INPUTS]), y: tf.tensor2d(fill(BATCH * OUTPUTS), [BATCH, OUTPUTS]) }));
}

const loss = (model: Sequential, b: Batch): tf.Scalar => tf.tidy(() => tf.mean(tf.square(tf.sub(model.call(b.x), b.y))) as tf.Scalar);

async function handWritten(model: Sequential, optimizer: AdamW, batches: Batch[], steps: number): Promise<number> {
  const named = trainableParameters(model);
  const variables = named.map(([, p]) => p.variable);
  const start = performance.now();
  for (let step = 0; step < steps; step++) {
    const batch = batches[step % batches.length];
    const { value, grads } = tf.variableGrads(() => loss(model, batch), variables);
    await value.data();
    optimizer.applyGradients(named.map(([name, p]) => ({ name, variable: p.variable, gradient: grads[p.variable.name] })));
    tf.dispose([value, ...Object.values(grads)]);
  }
  return (performance.now() - start) / steps;
}

async function ours(model: Sequential, optimizer: AdamW, batches: Batch[], steps: number): Promise<number> {
  const start = performance.now();
  await train(model, batches, { loss, optimizer, maxSteps: steps, progress: false });
  return (performance.now() - start) / steps;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(backend: 'cpu' | 'wasm'): Promise<void> {
  // useBackend also registers the gradients (and wasm's missing gradient kernels) training needs.
  const info = await useBackend(backend);
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  const batches = makeBatches(16);
  const modelA = buildModel();
  const modelB = buildModel();
  const optA = new AdamW({ learningRate: 1e-3 });
  const optB = new AdamW({ learningRate: 1e-3 });
  // Warm-up: kernels compiled/allocated, optimiser state created.
  await handWritten(modelA, optA, batches, 20);
  await ours(modelB, optB, batches, 20);
  // Kernel launches per step: a count that machine load cannot disturb (tf.profile slows the run, so it is not timed).
  const kernelsPerStep = async (run: () => Promise<unknown>) => (await tf.profile(async () => void (await run()))).kernels.length / 10;
  const handKernels = await kernelsPerStep(() => handWritten(modelA, optA, batches, 10));
  const loopKernels = await kernelsPerStep(() => ours(modelB, optB, batches, 10));
  const hand: number[] = [];
  const loop: number[] = [];
  const tensorsBefore = tf.memory().numTensors;
  // Interleaved rounds, alternating which goes first, so drift (thermal, GC) hits both alike.
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      hand.push(await handWritten(modelA, optA, batches, STEPS));
      loop.push(await ours(modelB, optB, batches, STEPS));
    } else {
      loop.push(await ours(modelB, optB, batches, STEPS));
      hand.push(await handWritten(modelA, optA, batches, STEPS));
    }
  }
  const ratio = median(loop) / median(hand);
  // Each round's own ratio too: the two halves of a round ran seconds apart, under the same load.
  const paired = median(loop.map((t, i) => t / hand[i]));
  console.log(
    `${info.name.padEnd(5)} (simd ${info.simd}, threads ${info.threads}) hand-written ${median(hand).toFixed(3)} ms/step | train ${median(loop).toFixed(3)} ms/step | ratio train/hand ${ratio.toFixed(3)} (per-round median ${paired.toFixed(3)}, range ${Math.min(...loop.map((t, i) => t / hand[i])).toFixed(3)}-${Math.max(...loop.map((t, i) => t / hand[i])).toFixed(3)})` +
      ` (median of ${ROUNDS} rounds x ${STEPS} steps; kernels/step ${handKernels} vs ${loopKernels}; tensors ${tensorsBefore} -> ${tf.memory().numTensors})`,
  );
  [optA, optB].forEach((o) => o.dispose());
  [modelA, modelB].forEach((m) => m.dispose());
  batches.forEach((b) => tf.dispose([b.x, b.y]));
}

async function main(): Promise<void> {
  console.log(`MLP ${INPUTS}-${HIDDEN}-${HIDDEN}-${OUTPUTS}, batch ${BATCH}, AdamW`);
  for (const backend of ['cpu', 'wasm'] as const) await measure(backend);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
