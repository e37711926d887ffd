/**
 * The backends peftjs can start, fastest first: the order `auto` tries them in.
 * Each names the npm package that provides it and the name tfjs registers it by.
 */
import { importByName } from './node-modules';
import type { BackendDevice, ResolvedBackendName } from './types';

export interface BackendCandidate {
  readonly name: ResolvedBackendName;
  readonly packageName: string;
  /** The name the package registers with tfjs (`tf.setBackend(tfjsBackend)`). */
  readonly tfjsBackend: string;
  readonly device: BackendDevice;
  /** Optional peers are probed before `auto` loads them; dependencies are always there. */
  readonly optional: boolean;
  /** Loads the package, which registers its backend with tfjs as a side effect. */
  readonly load: () => Promise<unknown>;
}

// Optional peers are imported by a variable name, so bundlers neither bundle them nor fail on their absence.
const importOptional = (name: string) => importByName(name);

export const BACKEND_CANDIDATES: readonly BackendCandidate[] = [
  {
    // Registers itself as 'tensorflow' too; it needs CUDA at run time.
    name: 'tensorflow-gpu',
    packageName: '@tensorflow/tfjs-node-gpu',
    tfjsBackend: 'tensorflow',
    device: 'gpu',
    optional: true,
    load: () => importOptional('@tensorflow/tfjs-node-gpu'),
  },
  {
    name: 'tensorflow',
    packageName: '@tensorflow/tfjs-node',
    tfjsBackend: 'tensorflow',
    device: 'cpu',
    optional: true,
    load: () => importOptional('@tensorflow/tfjs-node'),
  },
  {
    name: 'wasm',
    packageName: '@tensorflow/tfjs-backend-wasm',
    tfjsBackend: 'wasm',
    device: 'cpu',
    optional: false,
    load: () => import('@tensorflow/tfjs-backend-wasm'),
  },
  {
    name: 'cpu',
    packageName: '@tensorflow/tfjs-backend-cpu',
    tfjsBackend: 'cpu',
    device: 'cpu',
    optional: false,
    load: () => import('@tensorflow/tfjs-backend-cpu'),
  },
];

export const BACKEND_NAMES = ['auto', ...BACKEND_CANDIDATES.map((c) => c.name)] as const;
