/**
 * What bottleneck adapters and IA3 cost on a GPT-2-shaped transformer (width
 * 256, 4 layers, 4 heads, vocabulary 4096, sequence 64), on the wasm backend:
 *
 * - trainable share (adapters, and adapters plus the classification head);
 * - training step time (forward, backward, AdamW) at batch 16, over full fine-tuning;
 * - inference latency over the base model at batch 1 and batch 32, with the
 *   kernels launched per forward pass (a count machine load cannot disturb).
 *
 * Timings are ratios measured in one run: rounds interleave the methods, each
 * round in another order, and the median is reported. Each is given twice:
 * wall-clock time, and this process's CPU time (wasm runs on one thread here),
 * which other processes on a shared machine disturb far less. `ia3 merged`
 * runs exactly the base model's kernels: its deviation from +0% is the noise floor. The LoRA paper (Hu et al., 2021, table 1)
 * measured bottleneck adapters at +20 to +30% latency at batch 1 on a GPU.
 *
 * Caveat on the training ratio: tfjs' wasm BatchMatMul is far slower with a
 * transposed operand (at these shapes about 20x for transposeA, 11x for
 * transposeB, against an explicit transpose and a plain matMul), and the weight
 * gradients full fine-tuning needs (x^T dy) take that path in core's matMul
 * gradient. Adapter training computes no base-weight gradient, so it avoids the
 * worst of it: the ratio below is smaller than the FLOP count alone would give.
 *
 * Run after `npx nx run-many -t build` (it imports the built packages):
 *   npx tsx packages/adapters/bench/overhead.ts [train-rounds] [train-steps] [batch-32 rounds] [batch-1 rounds]
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, getPeftModel, manualSeed, useBackend, type Module } from '@peftjs/core';
import { GPT2ForSequenceClassification, gpt2Config, type LogitsOutput, type TransformerInput } from '@peftjs/models';
import '@peftjs/adapters';

const TRAIN_ROUNDS = Number(process.argv[2] ?? 3);
const TRAIN_STEPS = Number(process.argv[3] ?? 1);
const LARGE_BATCH_ROUNDS = Number(process.argv[4] ?? 5);
const SMALL_BATCH_ROUNDS = Number(process.argv[5] ?? 15);
const [WIDTH, LAYERS, HEADS, VOCAB, SEQ, BATCH] = [256, 4, 4, 4096, 64, 16];

const config = gpt2Config({ hiddenSize: WIDTH, numLayers: LAYERS, numHeads: HEADS, vocabSize: VOCAB, maxPositions: SEQ, numLabels: 2, embdDropout: 0, attnDropout: 0, residDropout: 0 });
type Model = Module<TransformerInput, LogitsOutput>;

function base(): GPT2ForSequenceClassification {
  manualSeed(0);
  return new GPT2ForSequenceClassification(config);
}

const METHODS: Record<string, Record<string, unknown>> = {
  'houlsby r16': { peft_type: 'BOTTLENECK', config: 'houlsby', reduction_factor: 16 },
  'pfeiffer r16': { peft_type: 'BOTTLENECK', config: 'pfeiffer', reduction_factor: 16 },
  'parallel r16': { peft_type: 'BOTTLENECK', config: 'parallel', reduction_factor: 16 },
  ia3: { peft_type: 'IA3', fan_in_fan_out: true },
};

function withHead(cfg: Record<string, unknown>) {
  return { ...cfg, modules_to_save: ['score'] };
}

function tokens(batch: number, seed: number): tf.Tensor {
  return tf.randomUniformInt([batch, SEQ], 0, VOCAB, { seed } as never) as tf.Tensor;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Wall-clock and CPU milliseconds of `runs` calls of `fn`, per call. */
function timed(fn: () => void, runs: number): { wall: number; cpu: number } {
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (let i = 0; i < runs; i++) fn();
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (performance.now() - wallStart) / runs, cpu: (cpu.user + cpu.system) / 1000 / runs };
}

type Samples = Map<string, Array<{ wall: number; cpu: number }>>;

/** One line per entry: times, ratio of medians and median of per-round ratios, for wall and CPU time. */
function report(samples: Samples, reference: string, format: (ratio: number) => string): void {
  const ref = samples.get(reference)!;
  for (const [name, values] of samples) {
    const cells = (['wall', 'cpu'] as const).map((kind) => {
      const ms = median(values.map((v) => v[kind]));
      if (name === reference) return `${kind} ${ms.toFixed(1).padStart(8)} ms${' '.repeat(27)}`;
      const ratio = ms / median(ref.map((v) => v[kind]));
      const paired = median(values.map((v, i) => v[kind] / ref[i][kind]));
      return `${kind} ${ms.toFixed(1).padStart(8)} ms ${format(ratio).padStart(7)} (per-round ${format(paired).padStart(7)})`;
    });
    console.log(`  ${name.padEnd(16)} ${cells.join(' | ')}`);
  }
}
const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

function shares(): void {
  const reference = base();
  console.log(`\nTrainable share (total ${reference.parameters().reduce((n, p) => n + p.size, 0).toLocaleString()} base parameters):`);
  reference.dispose();
  for (const [name, cfg] of Object.entries(METHODS)) {
    const [aloneModel, headModel] = [getPeftModel(base(), cfg), getPeftModel(base(), withHead(cfg))];
    const [alone, head] = [aloneModel.countParameters(), headModel.countParameters()];
    aloneModel.dispose();
    headModel.dispose();
    console.log(
      `  ${name.padEnd(13)} ${alone.trainable.toLocaleString().padStart(8)} params = ${((100 * alone.trainable) / alone.total).toFixed(3)}%` +
        `  | with the score head (modules_to_save): ${head.trainable.toLocaleString()} = ${((100 * head.trainable) / head.total).toFixed(3)}%`,
    );
  }
}

interface Trainer {
  name: string;
  step(): void;
  dispose(): void;
}

function trainer(name: string, model: Model, input: tf.Tensor, labels: tf.Tensor): Trainer {
  const named = model.namedParameters().filter(([, p]) => p.trainable);
  const variables = named.map(([, p]) => p.variable);
  const optimizer = new AdamW({ learningRate: 1e-4 });
  return {
    name,
    step() {
      const { value, grads } = tf.variableGrads(
        () => tf.tidy(() => tf.losses.softmaxCrossEntropy(labels, model.call({ inputIds: input }).logits) as tf.Scalar),
        variables,
      );
      value.dataSync();
      optimizer.applyGradients(named.map(([path, p]) => ({ name: path, variable: p.variable, gradient: grads[p.variable.name] })));
      tf.dispose([value, ...Object.values(grads)]);
    },
    dispose() {
      optimizer.dispose();
      model.dispose();
    },
  };
}

function training(): void {
  const input = tokens(BATCH, 1);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 2), 'int32'), 2);
  const full = base();
  const trainers = [trainer('full fine-tuning', full, input, labels)];
  for (const [name, cfg] of Object.entries(METHODS)) trainers.push(trainer(name, getPeftModel(base(), withHead(cfg)) as unknown as Model, input, labels));
  for (const t of trainers) t.step(); // warm-up: optimiser state, kernels
  const samples: Samples = new Map(trainers.map((t) => [t.name, []]));
  for (let round = 0; round < TRAIN_ROUNDS; round++) {
    const order = round % 2 === 0 ? trainers : [...trainers].reverse();
    for (const t of order) samples.get(t.name)!.push(timed(() => t.step(), TRAIN_STEPS));
  }
  console.log(`\nTraining step, batch ${BATCH} x ${SEQ} tokens, AdamW (median of ${TRAIN_ROUNDS} rounds x ${TRAIN_STEPS} steps; adapters train with the score head), ratio to full fine-tuning:`);
  report(samples, 'full fine-tuning', (r) => r.toFixed(3));
  tf.dispose([input, labels]);
  for (const t of trainers) t.dispose();
}

function inference(batch: number, rounds: number): void {
  const input = tokens(batch, 2);
  const models: Array<[string, Model]> = [['base', base()]];
  for (const [name, cfg] of Object.entries(METHODS)) models.push([name, getPeftModel(base(), cfg) as unknown as Model]);
  const merged = getPeftModel(base(), METHODS.ia3);
  merged.mergeAdapter();
  models.push(['ia3 merged', merged as unknown as Model]);
  const forward = (model: Model) => tf.tidy(() => void model.call({ inputIds: input }).logits.dataSync());
  for (const [, model] of models) forward(model); // warm-up
  const repeats = batch === 1 ? 10 : 1;
  const samples: Samples = new Map(models.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? models : [...models].reverse();
    for (const [name, model] of order) samples.get(name)!.push(timed(() => forward(model), repeats));
  }
  console.log(`\nInference, batch ${batch} x ${SEQ} tokens (median of ${rounds} rounds x ${repeats} passes), over the base model:`);
  report(samples, 'base', pct);
  input.dispose();
  for (const [, model] of models) model.dispose();
}

async function kernelCounts(): Promise<void> {
  const input = tokens(1, 3);
  console.log('\nKernels per forward pass (batch 1; independent of load):');
  const models: Array<[string, Model]> = [['base', base()]];
  for (const [name, cfg] of Object.entries(METHODS)) models.push([name, getPeftModel(base(), cfg) as unknown as Model]);
  const merged = getPeftModel(base(), METHODS.ia3);
  merged.mergeAdapter();
  models.push(['ia3 merged', merged as unknown as Model]);
  for (const [name, model] of models) {
    const info = await tf.profile(() => tf.tidy(() => void model.call({ inputIds: input }).logits.dataSync()));
    console.log(`  ${name.padEnd(13)} ${info.kernels.length}`);
    model.dispose();
  }
  input.dispose();
}

async function main(): Promise<void> {
  const info = await useBackend('wasm');
  console.log(`backend ${info.name} (simd ${info.simd}, threads ${info.threads}); GPT-2 width ${WIDTH}, ${LAYERS} layers, ${HEADS} heads, vocab ${VOCAB}, seq ${SEQ}`);
  shares();
  await kernelCounts();
  inference(1, SMALL_BATCH_ROUNDS);
  inference(32, LARGE_BATCH_ROUNDS);
  if (TRAIN_ROUNDS > 0) training();
  console.log(`\ntensors alive at the end: ${tf.memory().numTensors}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
