/**
 * Training cost of LoRA (r = 8 on the query and value projections, the
 * classifier head trained alongside, as peft does for SEQ_CLS) against full
 * fine-tuning, on the benchmark transformer:
 *
 * - step time (forward, backward, Adam update), LoRA / full: goal <= 0.5;
 * - Adam state bytes, LoRA / full: goal <= 1%;
 * - adapter file bytes / full checkpoint bytes: goal <= 1%.
 *
 *   npx tsx packages/lora/bench/training.ts [--backend wasm] [--threads 1] [--rounds 5] [--vocab 30522]
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Adam, getPeftModel, saveSafetensorsFile, type Module, type Parameter } from '@peftjs/core';
import type { BertInput } from '@peftjs/models';
import { BATCH, LAYERS, SEQUENCE, WIDTH, argument, buildModel, format, interleaved, logitsOf, startBackend, tokenBatch } from './common';

interface Trainer {
  step(): void;
  optimizer: Adam;
}

function trainer(model: Module<BertInput, unknown>, input: BertInput, labels: tf.Tensor): Trainer {
  const optimizer = new Adam({ learningRate: 1e-4 });
  const named = model.namedParameters().filter(([, p]) => p.trainable) as Array<[string, Parameter]>;
  const variables = named.map(([, p]) => p.variable);
  return {
    optimizer,
    step() {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, logitsOf(model, input)) as tf.Scalar, variables);
        optimizer.applyGradients(named.map(([name, p]) => ({ name, variable: p.variable, gradient: grads[p.variable.name] })));
        value.dataSync();
      });
    },
  };
}

async function fileBytes(write: (directory: string) => Promise<string>): Promise<number> {
  const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-lora-bench-'));
  try {
    return (await stat(await write(directory))).size;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const backend = await startBackend();
  const rounds = Number(argument('rounds', '5'));
  const vocab = Number(argument('vocab', '30522'));
  const input = tokenBatch(BATCH, vocab);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0], 'int32'), 2);

  const full = buildModel(vocab).train();
  const lora = getPeftModel(buildModel(vocab).train(), {
    peft_type: 'LORA',
    task_type: 'SEQ_CLS',
    r: 8,
    lora_alpha: 16,
    target_modules: ['query', 'value'],
  });
  const fullTrainer = trainer(full, input, labels);
  const loraTrainer = trainer(lora as unknown as Module<BertInput, unknown>, input, labels);
  const times = interleaved({ full: fullTrainer.step, lora: loraTrainer.step }, rounds, 2);

  const adamBytes = (t: Trainer) => t.optimizer.stateSize() * 4;
  const adapterBytes = await fileBytes(async (dir) => {
    await lora.saveAdapter(dir);
    return path.join(dir, 'adapter_model.safetensors');
  });
  const checkpointBytes = await fileBytes(async (dir) => {
    const file = path.join(dir, 'model.safetensors');
    await saveSafetensorsFile(file, full.stateDict());
    return file;
  });
  const counts = { full: full.parameters().length, lora: lora.countParameters() };

  console.log(`LoRA training on ${backend}: BERT-like, width ${WIDTH}, ${LAYERS} layers, vocabulary ${vocab}, batch ${BATCH} x ${SEQUENCE} tokens`);
  console.log(`trainable parameters: LoRA ${counts.lora.trainable.toLocaleString('en-US')} of ${counts.lora.total.toLocaleString('en-US')}`);
  console.log(`step time (median of ${rounds}): full ${format(times.full, 0)} ms, LoRA ${format(times.lora, 0)} ms -> LoRA / full ${format(times.lora / times.full)} (goal <= 0.5)`);
  console.log(
    `Adam state: full ${(adamBytes(fullTrainer) / 1e6).toFixed(2)} MB, LoRA ${(adamBytes(loraTrainer) / 1e3).toFixed(1)} kB -> ${format((100 * adamBytes(loraTrainer)) / adamBytes(fullTrainer))}% (goal <= 1%)`,
  );
  console.log(`files: full checkpoint ${(checkpointBytes / 1e6).toFixed(2)} MB, adapter ${(adapterBytes / 1e3).toFixed(1)} kB -> ${format((100 * adapterBytes) / checkpointBytes)}% (goal <= 1%)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
