/**
 * Serving many adapters from one base: a batch of 64 rows, each for a
 * different adapter (LoRA r = 8 on query and value), on the benchmark
 * transformer (64 tokens per row).
 *
 * - mixed batch (auto strategy: gather) over one merged adapter running the
 *   same 64 rows: throughput goal >= 0.7;
 * - mixed batch over running each adapter's rows in turn (set the adapter,
 *   run its row): goal >= 5x faster.
 *
 * Also with rows of 8 tokens (`--short-tokens`): per-call overheads weigh
 * more there, which is where batching rows could pay. Running one merged
 * adapter over the batch is the ceiling of any mixed-batch method.
 *
 * With `--sweep`, also times both strategies on one LoRA layer (256 -> 256,
 * input 32 rows x 64 tokens) for 1 to 32 distinct adapters: where gathering
 * starts to pay is GATHER_MIN_ADAPTERS.
 *
 *   npx tsx packages/lora/bench/mixed-batch.ts [--backend wasm] [--threads 1] [--rounds 3] [--short-tokens 8] [--sweep]
 */
import * as tf from '@tensorflow/tfjs-core';
import { getPeftModel, type PeftModel } from '@peftjs/core';
import type { BertInput } from '@peftjs/models';
import { forwardMixedBatch, withAdapterNames, type LoraLayer, type MixedBatchStrategy } from '../src/index';
import { LAYERS, SEQUENCE, WIDTH, argument, buildModel, format, interleaved, logitsOf, startBackend } from './common';

const ROWS = 64;
const VOCAB = 8192;
const lora = { peft_type: 'LORA', r: 8, lora_alpha: 16, target_modules: ['query', 'value'], init_lora_weights: false };

function withAdapters(count: number): PeftModel<BertInput, unknown> {
  const model = getPeftModel(buildModel(VOCAB).eval(), lora, 'a0');
  for (let i = 1; i < count; i++) model.addAdapter(`a${i}`, lora);
  return model.eval() as unknown as PeftModel<BertInput, unknown>;
}

const rowOf = (input: BertInput, row: number): BertInput => ({ inputIds: tf.slice(input.inputIds!, [row, 0], [1, input.inputIds!.shape[1] as number]) });

function mixed(model: PeftModel<BertInput, unknown>, input: BertInput, names: string[], strategy: MixedBatchStrategy) {
  return () => tf.tidy(() => void (forwardMixedBatch(model, input, names, { strategy }) as { logits: tf.Tensor }).logits.dataSync());
}

/** Times one merged adapter, both mixed strategies, and rows in turn, on 64 rows of `tokens` tokens. */
function compare(model: PeftModel<BertInput, unknown>, merged: PeftModel<BertInput, unknown>, tokens: number, rounds: number): void {
  const input: BertInput = { inputIds: tf.randomUniform([ROWS, tokens], 0, VOCAB, 'int32', tokens) };
  const names = Array.from({ length: ROWS }, (_, i) => `a${i}`);
  const times = interleaved(
    {
      merged: () => tf.tidy(() => void logitsOf(merged, input).dataSync()),
      gather: mixed(model, input, names, 'auto'),
      segment: mixed(model, input, names, 'segment'),
      inTurn: () =>
        names.forEach((name, row) => {
          model.setAdapter(name);
          tf.tidy(() => void logitsOf(model, rowOf(input, row)).dataSync());
        }),
    },
    rounds,
    1,
  );
  console.log(`${ROWS} rows x ${tokens} tokens, median of ${rounds} (ms): one merged adapter ${format(times.merged, 0)}, mixed gather ${format(times.gather, 0)}, mixed segment ${format(times.segment, 0)}, each adapter's row in turn ${format(times.inTurn, 0)}`);
  console.log(`  throughput mixed (gather) / one merged adapter: ${format(times.merged / times.gather)} (goal >= 0.7)`);
  console.log(`  speed-up of mixed (gather) over rows in turn: ${format(times.inTurn / times.gather, 2)}x (goal >= 5x); segment ${format(times.inTurn / times.segment, 2)}x; one merged adapter ${format(times.inTurn / times.merged, 2)}x (the ceiling)`);
  tf.dispose(input.inputIds);
}

async function main(): Promise<void> {
  const backend = await startBackend();
  const rounds = Number(argument('rounds', '3'));
  const model = withAdapters(ROWS);
  const merged = getPeftModel(buildModel(VOCAB).eval(), lora) as unknown as PeftModel<BertInput, unknown>;
  merged.mergeAdapter();
  console.log(`Mixed-adapter batch on ${backend}: BERT-like, width ${WIDTH}, ${LAYERS} layers, ${ROWS} adapters (r=8, query and value), one per row`);
  if (process.argv.includes('--sweep')) layerSweep(model, rounds);
  compare(model, merged, SEQUENCE, rounds);
  compare(model, merged, Number(argument('short-tokens', '8')), rounds);
}

/** Both strategies on the first query projection alone (input 32 rows x 64 tokens), by distinct adapters per batch. */
function layerSweep(model: PeftModel<BertInput, unknown>, rounds: number): void {
  const layer = model.baseModel.getSubmodule('bert.encoder.layer.0.attention.self.query') as unknown as LoraLayer;
  const x = tf.randomNormal([32, SEQUENCE, WIDTH], 0, 1, 'float32', 5);
  console.log('one LoRA layer (256 -> 256, 32 rows x 64 tokens), by distinct adapters in the batch: segment ms, gather ms, base layer ms');
  for (const distinct of [1, 2, 4, 8, 16, 32]) {
    const names = Array.from({ length: 32 }, (_, i) => `a${i % distinct}`);
    const run = (strategy: MixedBatchStrategy) => () => tf.tidy(() => void withAdapterNames(names, () => layer.call(x), { strategy }).dataSync());
    const times = interleaved({ segment: run('segment'), gather: run('gather'), base: () => tf.tidy(() => void layer.baseLayer.call(x).dataSync()) }, rounds * 3, 2);
    console.log(`  ${distinct}: ${format(times.segment, 1)}, ${format(times.gather, 1)}, ${format(times.base, 1)}`);
  }
  x.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
