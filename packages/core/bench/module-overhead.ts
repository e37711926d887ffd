/**
 * The cost of the module tree: forward plus backward of an MLP run through
 * core's Modules, over the same computation written directly in tfjs ops with
 * the same variables. Goal: at most 1.05. Both are timed in one run,
 * interleaved, so machine noise hits both alike.
 *
 *   npm run build && npx tsx packages/core/bench/module-overhead.ts [--backend wasm|cpu] [--rounds 30]
 */
import * as tf from '@tensorflow/tfjs-core';
// The built package, as users get it: tfjs' gradient registration only works bundled.
import { Activation, Linear, Sequential, manualSeed, useBackend, type BackendName } from '@peftjs/core';

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const backend = await useBackend(argument('backend', 'wasm') as BackendName);
  const rounds = Number(argument('rounds', '30'));
  const sizes = [784, 512, 512, 256, 10];
  const batch = 128;
  manualSeed(0);
  const layers = sizes.slice(1).map((out, i) => new Linear(sizes[i], out));
  const model = new Sequential(...layers.flatMap((layer, i) => (i < layers.length - 1 ? [layer, new Activation('relu')] : [layer])));
  const variables = model.parameters().map((p) => p.variable);
  const x = tf.randomNormal([batch, sizes[0]], 0, 1, 'float32', 1);

  const viaModules = () => tf.mean(tf.square(model.call(x))) as tf.Scalar;
  const direct = () =>
    tf.tidy(() => {
      let h: tf.Tensor = x;
      layers.forEach((layer, i) => {
        h = tf.add(tf.matMul(h, layer.weight.variable, false, true), layer.bias!.variable);
        if (i < layers.length - 1) h = tf.relu(h);
      });
      return tf.mean(tf.square(h)) as tf.Scalar;
    });

  const time = (loss: () => tf.Scalar) => {
    const start = performance.now();
    const { value, grads } = tf.variableGrads(loss, variables);
    // Reading the values forces the computation to finish before the clock stops.
    value.dataSync();
    Object.values(grads).forEach((g) => g.dataSync());
    tf.dispose([value, ...Object.values(grads)]);
    return performance.now() - start;
  };

  for (let i = 0; i < 5; i++) {
    time(viaModules);
    time(direct);
  }
  const moduleTimes: number[] = [];
  const directTimes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    moduleTimes.push(time(viaModules));
    directTimes.push(time(direct));
  }
  const ratio = median(moduleTimes) / median(directTimes);
  console.log(`backend ${backend.name}: MLP ${sizes.join('-')}, batch ${batch}, forward + backward, median of ${rounds}`);
  console.log(`  modules ${median(moduleTimes).toFixed(2)} ms, direct tfjs ${median(directTimes).toFixed(2)} ms, ratio ${ratio.toFixed(3)} (goal <= 1.05)`);
  x.dispose();
  model.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
