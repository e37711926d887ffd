/**
 * Prompt learning on a GPT-2-style transformer of width 256, 4 layers, 4
 * heads, sequences of 64 tokens in batches of 16, on wasm:
 *
 * - the trainable share at 10 and 20 virtual tokens, in the training form
 *   (P-tuning's MLP, prefix tuning's projection included) and as saved
 *   (peft's `prompt_embeddings`);
 * - the training step time of each method over full fine-tuning (loss,
 *   gradients, AdamW update), and the inference latency over the base model:
 *   the prompt lengthens every sequence (prefixes lengthen every key/value).
 *
 * Timings are ratios measured in one run: each method's step is timed right
 * next to the reference's, and the median of those pairs' ratios is reported.
 *
 * Uses the built packages (tfjs' gradient registration only works bundled):
 *   npx nx run-many -t build
 *   npx tsx packages/prompt-tuning/bench/prompt-learning.ts [rounds=3] [vocab=2048] [setup-regex] [train,inference]
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, getPeftModel, manualSeed, trainableParameters, useBackend, type Module } from '@peftjs/core';
import { GPT2LMHeadModel, gpt2Config, type LogitsOutput, type TransformerInput } from '@peftjs/models';
import { findPromptEncoder, foldPromptEncoder } from '@peftjs/prompt-tuning';

const ROUNDS = Number(process.argv[2] ?? 3);
const VOCAB = Number(process.argv[3] ?? 2048);
/** Only the setups whose name matches (a regular expression), to re-run a few. */
const ONLY = new RegExp(process.argv[4] ?? '');
/** What to time: 'train,inference' (default), or one of them (inference pairs are cheap: more rounds fit). */
const PARTS = (process.argv[5] ?? 'train,inference').split(',');
const [WIDTH, LAYERS, HEADS, SEQ, BATCH] = [256, 4, 4, 64, 16];

type Model = Module<TransformerInput, LogitsOutput>;

interface Setup {
  readonly name: string;
  /** undefined: the base model itself (full fine-tuning, or plain inference). */
  readonly config?: Record<string, unknown>;
}

const SETUPS: Setup[] = [{ name: 'full fine-tuning / base' }];
for (const n of [10, 20]) {
  SETUPS.push(
    { name: `prompt tuning, ${n} tokens`, config: { peft_type: 'PROMPT_TUNING', num_virtual_tokens: n, prompt_tuning_init: 'SAMPLE_VOCAB' } },
    { name: `P-tuning (MLP), ${n} tokens`, config: { peft_type: 'P_TUNING', num_virtual_tokens: n } },
    { name: `prefix tuning, ${n} tokens`, config: { peft_type: 'PREFIX_TUNING', num_virtual_tokens: n } },
    { name: `prefix + projection, ${n} tokens`, config: { peft_type: 'PREFIX_TUNING', num_virtual_tokens: n, prefix_projection: true } },
  );
}

function base(): GPT2LMHeadModel {
  manualSeed(0);
  return new GPT2LMHeadModel(
    gpt2Config({ vocabSize: VOCAB, maxPositions: 128, hiddenSize: WIDTH, numLayers: LAYERS, numHeads: HEADS, embdDropout: 0, attnDropout: 0, residDropout: 0 }),
  );
}

function build(setup: Setup): Model {
  const model = base();
  return setup.config === undefined ? model : (getPeftModel(model, setup.config) as unknown as Model);
}

/** Next-token cross-entropy: the output covers the caller's 64 positions whatever the prompt. */
function loss(model: Model, ids: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const logits = model.call({ inputIds: ids }).logits;
    const predicted = tf.reshape(tf.slice(logits, [0, 0, 0], [BATCH, SEQ - 1, VOCAB]), [-1, VOCAB]);
    const targets = tf.oneHot(tf.reshape(tf.slice(ids, [0, 1], [BATCH, SEQ - 1]), [-1]), VOCAB);
    return tf.losses.softmaxCrossEntropy(targets, predicted) as tf.Scalar;
  });
}

async function trainStep(model: Model, optimizer: AdamW, ids: tf.Tensor2D): Promise<number> {
  const named = trainableParameters(model);
  const start = performance.now();
  const { value, grads } = tf.variableGrads(() => loss(model, ids), named.map(([, p]) => p.variable));
  await value.data();
  optimizer.applyGradients(named.map(([name, p]) => ({ name, variable: p.variable, gradient: grads[p.variable.name] })));
  tf.dispose([value, ...Object.values(grads)]);
  return performance.now() - start;
}

async function inference(model: Model, ids: tf.Tensor2D): Promise<number> {
  const start = performance.now();
  const logits = tf.tidy(() => model.call({ inputIds: ids }).logits);
  await logits.data();
  logits.dispose();
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percent = (x: number) => `${(100 * x).toFixed(x < 0.001 ? 4 : 3)}%`;

async function main(): Promise<void> {
  const info = await useBackend('wasm');
  console.log(`backend ${info.name} (simd ${info.simd}, threads ${info.threads}); GPT-2 width ${WIDTH}, ${LAYERS} layers, ${HEADS} heads, vocab ${VOCAB}; batch ${BATCH} x ${SEQ} tokens`);
  const ids = tf.tidy(() => tf.cast(tf.randomUniform([BATCH, SEQ], 0, VOCAB, 'float32', 1), 'int32')) as tf.Tensor2D;

  // Parameter accounting: training form, and what peft saves (the folded prompt).
  console.log('\n| setup | trainable (training form) | share | saved floats (prompt_embeddings) | saved share |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const setup of SETUPS) {
    const model = build(setup);
    const count = setup.config === undefined ? undefined : (model as unknown as { countParameters(): { trainable: number; total: number } }).countParameters();
    if (count === undefined) {
      const total = model.parameters().reduce((sum, p) => sum + p.size, 0);
      console.log(`| ${setup.name} | ${total} | 100% | ${total} | 100% |`);
    } else {
      const peft = model as unknown as Parameters<typeof foldPromptEncoder>[0];
      foldPromptEncoder(peft);
      const saved = findPromptEncoder(peft, 'default')!.embedding.weight.size;
      const baseTotal = count.total - count.trainable;
      console.log(`| ${setup.name} | ${count.trainable} | ${percent(count.trainable / count.total)} | ${saved} | ${percent(saved / (baseTotal + saved))} |`);
    }
    model.dispose();
  }

  // Timings: each method is timed right next to the base (full fine-tuning for a
  // training step, the plain model for inference), alternating which goes first,
  // so load from other processes hits both halves of a pair alike.
  const reference = build(SETUPS[0]);
  const referenceOptimizer = new AdamW({ learningRate: 1e-4 });
  await trainStep(reference, referenceOptimizer, ids); // warm-up: kernels, optimiser state
  await inference(reference, ids);
  const tensorsBefore = tf.memory().numTensors;
  const rows: string[] = [];
  for (const setup of SETUPS.slice(1).filter((s) => ONLY.test(s.name))) {
    const model = build(setup);
    const optimizer = new AdamW({ learningRate: 1e-4 });
    if (PARTS.includes('train')) await trainStep(model, optimizer, ids);
    await inference(model, ids);
    const pairs = { train: [] as Array<[number, number]>, infer: [] as Array<[number, number]> };
    for (let round = 0; round < ROUNDS; round++) {
      const pair = async (run: (m: Model, o: AdamW) => Promise<number>): Promise<[number, number]> => {
        if (round % 2 === 0) {
          const base = await run(reference, referenceOptimizer);
          return [base, await run(model, optimizer)];
        }
        const method = await run(model, optimizer);
        return [await run(reference, referenceOptimizer), method];
      };
      if (PARTS.includes('train')) pairs.train.push(await pair((m, o) => trainStep(m, o, ids)));
      if (PARTS.includes('inference')) pairs.infer.push(await pair((m) => inference(m, ids)));
    }
    const ratio = (xs: Array<[number, number]>) => (xs.length === 0 ? '-' : median(xs.map(([base, method]) => method / base)).toFixed(2));
    const times = (xs: Array<[number, number]>, k: 0 | 1) => (xs.length === 0 ? '-' : median(xs.map((x) => x[k])).toFixed(0));
    rows.push(
      `| ${setup.name} | ${times(pairs.train, 1)} (full ${times(pairs.train, 0)}) | ${ratio(pairs.train)} | ` +
        `${times(pairs.infer, 1)} (base ${times(pairs.infer, 0)}) | ${ratio(pairs.infer)} |`,
    );
    process.stderr.write(`${rows[rows.length - 1]}\n`);
    optimizer.dispose();
    model.dispose();
  }
  console.log('\n| setup | train step ms | over full fine-tuning | inference ms | over base |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
  console.log(`\n(median of ${ROUNDS} adjacent pairs per setup; tensors ${tensorsBefore} -> ${tf.memory().numTensors})`);
  referenceOptimizer.dispose();
  reference.dispose();
  ids.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
