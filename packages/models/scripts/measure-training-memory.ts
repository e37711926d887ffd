/**
 * Peak memory of LoRA training on a SmolLM2-135M-shaped decoder (random
 * weights, the real shapes), against the frozen weights' own bytes: the
 * issue's goal is a peak of at most 1.3x the frozen weights plus one
 * micro-batch's activations. One run, printed; not a test.
 *
 *   npm run build && npx tsx packages/models/scripts/measure-training-memory.ts [seq] [batch] [copying-identity]
 *
 * Memory is the wasm heap, which grows to the high-water mark and never
 * shrinks: tf.memory().numBytes counts every tensor's bytes, so two tensors
 * sharing one buffer (a reshape, a clone) count twice and it is not memory.
 * `copying-identity` restores wasm's own Identity kernel (which copies) for
 * comparison with core's shared one.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { getPeftModel, manualSeed, useBackend } from '@peftjs/core';
import '@peftjs/lora';
import { LlamaForCausalLM, llamaConfig } from '@peftjs/models';

const heapBytes = () => (tf.backend() as BackendWasm).wasm.HEAPU8.buffer.byteLength;
const mib = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));

/** wasm 4.22's Identity: a copy into a new buffer. */
function registerCopyingIdentity(): void {
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({
    kernelName: tf.Identity,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const wasm = backend as BackendWasm;
      const x = inputs.x as tf.TensorInfo;
      const out = wasm.makeOutput(x.shape, x.dtype);
      wasm.typedArrayFromHeap(out).set(wasm.typedArrayFromHeap(x));
      return out;
    },
  });
}

async function main(): Promise<void> {
  const seq = Number(process.argv[2] ?? 64);
  const batch = Number(process.argv[3] ?? 1);
  const info = await useBackend('wasm');
  if (process.argv[4] === 'copying-identity') registerCopyingIdentity();
  // SmolLM2-135M's config.json: 30 layers, hidden 576, 9 heads over 3 kv heads, MLP 1536, vocab 49152, tied.
  const config = llamaConfig({ vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, numLayers: 30, numHeads: 9, numKeyValueHeads: 3, maxPositions: 8192, ropeTheta: 100000, rmsNormEps: 1e-5, tieWordEmbeddings: true });
  manualSeed(0);
  const base = new LlamaForCausalLM(config).eval();
  const parameters = base.namedParameters().reduce((n, [, p]) => n + p.variable.size, 0);
  const model = getPeftModel(base, { peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 8, lora_alpha: 16, target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] });
  const trainable = model.parameters().filter((p) => p.trainable).map((p) => p.variable);
  const weightBytes = parameters * 4 + trainable.reduce((n, v) => n + v.size * 4, 0);
  const ids = tf.randomUniform([batch, seq], 0, 49152, 'int32', 1);
  const labels = tf.randomUniform([batch, seq], 0, 49152, 'int32', 2);
  const loss = () =>
    tf.tidy(() => {
      const logits = model.call({ inputIds: ids }).logits;
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.reshape(labels, [-1]), 49152), tf.reshape(logits, [-1, 49152])) as tf.Scalar;
    });
  const heapAtStart = heapBytes();
  loss().dispose();
  const heapAfterForward = heapBytes();
  const started = Date.now();
  const { value, grads } = tf.variableGrads(loss, trainable);
  tf.dispose([value, ...Object.values(grads)]);
  const stepMs = Date.now() - started;
  const heapAfterStep = heapBytes();
  console.log(
    JSON.stringify(
      {
        backend: `${info.name} (threads ${info.threads})`,
        identity: process.argv[4] === 'copying-identity' ? "wasm's (copies)" : "core's (shares)",
        parameters,
        loraParameters: trainable.reduce((n, v) => n + v.size, 0),
        batch,
        seq,
        weightsMiB: mib(weightBytes),
        heapWithWeightsMiB: mib(heapAtStart),
        heapPeakForwardMiB: mib(heapAfterForward),
        heapPeakTrainingStepMiB: mib(heapAfterStep),
        trainingPeakOverWeights: Number((heapAfterStep / weightBytes).toFixed(3)),
        stepMs,
      },
      null,
      2,
    ),
  );
  tf.dispose([ids, labels]);
  model.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
