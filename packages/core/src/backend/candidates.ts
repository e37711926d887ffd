/**
 * The backends peftjs can start. Each names the npm package that provides it
 * and the name tfjs registers it by; `AUTO_ORDER` is the order `auto` tries
 * them in, per environment, fastest first.
 */
import { importByName } from './node-modules';
import type { RuntimeEnvironment } from './environment';
import type { BackendDevice, ResolvedBackendName } from './types';

export interface BackendCandidate {
  readonly name: ResolvedBackendName;
  readonly packageName: string;
  /** The name the package registers with tfjs (`tf.setBackend(tfjsBackend)`). */
  readonly tfjsBackend: string;
  readonly device: BackendDevice;
  /** Optional peers are probed before `auto` loads them; dependencies are always there. */
  readonly optional: boolean;
  /**
   * The backend counts as present once tfjs knows `tfjsBackend`, without a
   * load: in a bundle the app imports the package itself (the bundler cannot
   * see an import by variable name), which registers it. Not for the two
   * tfjs-node packages, which both register 'tensorflow'.
   */
  readonly foundWhenRegistered: boolean;
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
    foundWhenRegistered: false,
    load: () => importOptional('@tensorflow/tfjs-node-gpu'),
  },
  {
    name: 'tensorflow',
    packageName: '@tensorflow/tfjs-node',
    tfjsBackend: 'tensorflow',
    device: 'cpu',
    optional: true,
    foundWhenRegistered: false,
    load: () => importOptional('@tensorflow/tfjs-node'),
  },
  {
    name: 'webgpu',
    packageName: '@tensorflow/tfjs-backend-webgpu',
    tfjsBackend: 'webgpu',
    device: 'gpu',
    optional: true,
    foundWhenRegistered: true,
    load: () => importOptional('@tensorflow/tfjs-backend-webgpu'),
  },
  {
    name: 'webgl',
    packageName: '@tensorflow/tfjs-backend-webgl',
    tfjsBackend: 'webgl',
    device: 'gpu',
    optional: true,
    foundWhenRegistered: true,
    load: () => importOptional('@tensorflow/tfjs-backend-webgl'),
  },
  {
    name: 'wasm',
    packageName: '@tensorflow/tfjs-backend-wasm',
    tfjsBackend: 'wasm',
    device: 'cpu',
    optional: false,
    foundWhenRegistered: false,
    load: () => import('@tensorflow/tfjs-backend-wasm'),
  },
  {
    name: 'cpu',
    packageName: '@tensorflow/tfjs-backend-cpu',
    tfjsBackend: 'cpu',
    device: 'cpu',
    optional: false,
    foundWhenRegistered: false,
    load: () => import('@tensorflow/tfjs-backend-cpu'),
  },
];

/**
 * What `auto` tries, best first. Node: libtensorflow (CUDA, then CPU), then
 * wasm; no WebGL or WebGPU context exists there. Browsers: WebGPU, WebGL, then
 * wasm; tfjs-node cannot load in a page.
 */
export const AUTO_ORDER: Readonly<Record<RuntimeEnvironment, readonly ResolvedBackendName[]>> = {
  node: ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'],
  browser: ['webgpu', 'webgl', 'wasm', 'cpu'],
};
