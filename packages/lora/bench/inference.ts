/**
 * Inference latency with LoRA (r = 8 on query and value) over the base model,
 * on the benchmark transformer (batch 16 x 64 tokens):
 *
 * - merged adapter / base: goal about 1.0 (merging leaves the base's computation);
 * - unmerged adapter / base: goal <= 1.1.
 *
 *   npx tsx packages/lora/bench/inference.ts [--backend wasm] [--threads 1] [--rounds 7] [--vocab 30522]
 */
import * as tf from '@tensorflow/tfjs-core';
import { getPeftModel } from '@peftjs/core';
import { BATCH, LAYERS, SEQUENCE, WIDTH, argument, buildModel, format, interleaved, logitsOf, startBackend, tokenBatch } from './common';

async function main(): Promise<void> {
  const backend = await startBackend();
  const rounds = Number(argument('rounds', '7'));
  const vocab = Number(argument('vocab', '30522'));
  const input = tokenBatch(BATCH, vocab);
  const config = { peft_type: 'LORA', r: 8, lora_alpha: 16, target_modules: ['query', 'value'], init_lora_weights: false };

  const base = buildModel(vocab).eval();
  const unmerged = getPeftModel(buildModel(vocab).eval(), config);
  const merged = getPeftModel(buildModel(vocab).eval(), config);
  merged.mergeAdapter();

  const run = (model: Parameters<typeof logitsOf>[0]) => () => tf.tidy(() => void logitsOf(model, input).dataSync());
  const times = interleaved({ base: run(base), merged: run(merged), unmerged: run(unmerged) }, rounds, 2);

  console.log(`LoRA inference on ${backend}: BERT-like, width ${WIDTH}, ${LAYERS} layers, batch ${BATCH} x ${SEQUENCE} tokens, LoRA r=8 on query and value`);
  console.log(`latency (median of ${rounds}): base ${format(times.base, 0)} ms, merged ${format(times.merged, 0)} ms, unmerged ${format(times.unmerged, 0)} ms`);
  console.log(`merged / base ${format(times.merged / times.base)} (goal about 1.0); unmerged / base ${format(times.unmerged / times.base)} (goal <= 1.1)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
