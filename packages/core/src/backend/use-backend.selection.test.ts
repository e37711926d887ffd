/**
 * Which backend `auto` takes, on machines played by injected candidates and
 * environments: fake backends are the cpu backend registered under the real
 * names, so no browser or GPU is needed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendCandidate } from './candidates';
import { detectEnvironment, type EnvironmentGlobals, type RuntimeEnvironment } from './environment';
import { BackendInitError, BackendNotInstalledError, NoBackendError } from './errors';
import { backendInfo, useBackendWith, type BackendSelection } from './use-backend';
import type { ResolvedBackendName } from './types';

type Behaviour = 'works' | 'absent' | 'fails-to-start' | 'registers-nothing';

const GPU: readonly ResolvedBackendName[] = ['tensorflow-gpu', 'webgpu', 'webgl'];
// The real cpu backend stays untouched: the fakes copy its kernels.
const TFJS_NAME: Partial<Record<ResolvedBackendName, string>> = { 'tensorflow-gpu': 'tensorflow', cpu: 'fake-cpu' };
const FAKE_TFJS_NAMES = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'fake-cpu'];

const unregister = (tfjsBackend: string) => {
  if (tfjsBackend in tf.engine().registryFactory) tf.removeBackend(tfjsBackend);
};

/** Enough of tfjs-backend-wasm's module and backend for use-backend's wasm steps (paths, threads, info). */
const wasmModuleStub = { setWasmPaths: () => undefined, setThreadsCount: () => undefined };
const wasmInternalsStub = { tfjs: { getThreadsCount: () => 1 } };

/** A candidate whose package behaves as told; each load re-registers, as a fresh import would. */
function fake(name: ResolvedBackendName, behaviour: Behaviour): BackendCandidate {
  const tfjsBackend = TFJS_NAME[name] ?? `${name}`;
  const packageName = `@fake/${name}`;
  return {
    name,
    packageName,
    tfjsBackend,
    device: GPU.includes(name) ? 'gpu' : 'cpu',
    optional: name !== 'cpu' && name !== 'wasm',
    foundWhenRegistered: name === 'webgl' || name === 'webgpu',
    load: async () => {
      if (behaviour === 'absent') throw Object.assign(new Error(`Cannot find module '${packageName}'`), { code: 'MODULE_NOT_FOUND' });
      if (behaviour === 'registers-nothing') return wasmModuleStub;
      unregister(tfjsBackend);
      tf.registerBackend(tfjsBackend, () => {
        if (behaviour === 'fails-to-start') throw new Error(`no ${name} adapter`);
        const backend = new MathBackendCPU();
        Object.assign(backend, { firstUse: false }, name === 'wasm' ? { wasm: wasmInternalsStub } : {});
        return backend;
      });
      if (tf.getKernel(tf.Add, tfjsBackend) == null) tf.copyRegisteredKernels('cpu', tfjsBackend);
      return wasmModuleStub;
    },
  };
}

function machine(environment: RuntimeEnvironment, behaviours: Partial<Record<ResolvedBackendName, Behaviour>>) {
  const warnings: string[] = [];
  const candidates = (['tensorflow-gpu', 'tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'] as const).map((n) => fake(n, behaviours[n] ?? 'absent'));
  const selection: BackendSelection = {
    candidates,
    environment,
    isInstalled: async (packageName) => candidates.some((c) => c.packageName === packageName && behaviours[c.name] != null && behaviours[c.name] !== 'absent'),
    isRegistered: (tfjsBackend) => tfjsBackend in tf.engine().registryFactory,
    warn: (message) => warnings.push(message),
  };
  return { selection, warnings };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
});

afterEach(async () => {
  await tf.setBackend('cpu');
  FAKE_TFJS_NAMES.forEach(unregister);
});

describe('detectEnvironment', () => {
  test.each([
    ['Node', { process: { versions: { node: '20.16.0' } } }, 'node'],
    ['a page', { window: {}, navigator: { gpu: {} } }, 'browser'],
    ['a web worker (no window)', { navigator: {} }, 'browser'],
    ["a bundler's process polyfill", { process: { versions: {} }, window: {} }, 'browser'],
  ] as const)('%s', (_, globals, expected) => {
    expect(detectEnvironment(globals as EnvironmentGlobals)).toBe(expected);
  });

  test('this jest process is Node', () => expect(detectEnvironment()).toBe('node'));
});

describe('auto in a browser', () => {
  test('takes webgpu first, silently', async () => {
    const { selection, warnings } = machine('browser', { webgpu: 'works', webgl: 'works', wasm: 'works', cpu: 'works' });
    await expect(useBackendWith(selection, 'auto')).resolves.toMatchObject({ name: 'webgpu', tfjsBackend: 'webgpu', device: 'gpu', threads: 1 });
    expect(tf.getBackend()).toBe('webgpu');
    expect(warnings).toEqual([]);
  });

  test('falls back from a webgpu that fails to start to webgl, and says so', async () => {
    const { selection, warnings } = machine('browser', { webgpu: 'fails-to-start', webgl: 'works', wasm: 'works', cpu: 'works' });
    await expect(useBackendWith(selection, 'auto')).resolves.toMatchObject({ name: 'webgl', device: 'gpu' });
    expect(warnings).toEqual(["useBackend('auto') fell back to 'webgl': backend 'webgpu' is installed but failed to start: tf.setBackend('webgpu') returned false; see the warning tfjs printed"]);
  });

  test('takes a webgl the app registered itself (a bundle) without loading the package', async () => {
    const { selection, warnings } = machine('browser', { wasm: 'works', cpu: 'works' });
    tf.registerBackend('webgl', () => Object.assign(new MathBackendCPU(), { firstUse: false }));
    if (tf.getKernel(tf.Add, 'webgl') == null) tf.copyRegisteredKernels('cpu', 'webgl');
    await expect(useBackendWith(selection, 'auto')).resolves.toMatchObject({ name: 'webgl' });
    expect(warnings).toEqual([
      "useBackend('auto') fell back to 'webgl': webgpu is not installed (run `npm install @fake/webgpu` and import '@fake/webgpu' in your app so the bundle registers it)",
    ]);
  });

  test('a gpu package that registers nothing (no WebGPU in this browser) falls back to wasm, named', async () => {
    const { selection, warnings } = machine('browser', { webgpu: 'registers-nothing', wasm: 'works', cpu: 'works' });
    await expect(useBackendWith(selection, 'auto')).resolves.toMatchObject({ name: 'wasm' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^useBackend\('auto'\) fell back to 'wasm': backend 'webgpu' is installed but failed to start: @fake\/webgpu loaded but registered no 'webgpu' backend with tfjs: it needs a browser with WebGPU \(navigator.gpu\); webgl is not installed/);
  });

  test('never tries the tfjs-node packages', async () => {
    const { selection } = machine('browser', { 'tensorflow-gpu': 'works', tensorflow: 'works', cpu: 'works' });
    await expect(useBackendWith(selection, 'auto')).resolves.toMatchObject({ name: 'cpu' });
  });
});

describe('auto in Node', () => {
  test('takes tensorflow-gpu, then tensorflow, before wasm, and tells tensorflow-gpu apart in backendInfo', async () => {
    const gpu = machine('node', { 'tensorflow-gpu': 'works', tensorflow: 'works', wasm: 'works', cpu: 'works' });
    await expect(useBackendWith(gpu.selection, 'auto')).resolves.toMatchObject({ name: 'tensorflow-gpu', tfjsBackend: 'tensorflow', device: 'gpu' });
    expect(backendInfo()).toMatchObject({ name: 'tensorflow-gpu' });
    expect(gpu.warnings).toEqual([]);
  });

  test('never tries webgpu or webgl, installed or not', async () => {
    const { selection, warnings } = machine('node', { webgpu: 'works', webgl: 'works', wasm: 'works', cpu: 'works' });
    await expect(useBackendWith(selection, 'auto', { wasmThreads: 1 })).resolves.toMatchObject({ name: 'wasm' });
    expect(warnings).toEqual([
      "useBackend('auto') fell back to 'wasm': tensorflow-gpu is not installed (run `npm install @fake/tensorflow-gpu`); tensorflow is not installed (run `npm install @fake/tensorflow`)",
    ]);
  });

  test('but starts webgpu when asked for by name and installed', async () => {
    const { selection } = machine('node', { webgpu: 'works', cpu: 'works' });
    await expect(useBackendWith(selection, 'webgpu')).resolves.toMatchObject({ name: 'webgpu' });
  });

  test('a webgpu asked for by name and not installed names the package', async () => {
    const { selection } = machine('node', { cpu: 'works' });
    const attempt = useBackendWith(selection, 'webgpu');
    await expect(attempt).rejects.toBeInstanceOf(BackendNotInstalledError);
    await expect(attempt).rejects.toThrow("backend 'webgpu' needs the npm package @fake/webgpu, which is not installed: run `npm install @fake/webgpu`");
  });

  test('an explicit request does not fall back', async () => {
    const { selection, warnings } = machine('node', { tensorflow: 'fails-to-start', cpu: 'works' });
    await expect(useBackendWith(selection, 'tensorflow')).rejects.toBeInstanceOf(BackendInitError);
    expect(warnings).toEqual([]);
  });

  test('nothing starts: a NoBackendError listing every reason', async () => {
    const { selection } = machine('node', { wasm: 'fails-to-start', cpu: 'fails-to-start' });
    const attempt = useBackendWith(selection, 'auto', { wasmThreads: 1 });
    await expect(attempt).rejects.toBeInstanceOf(NoBackendError);
    await expect(attempt).rejects.toMatchObject({ failures: [expect.stringMatching(/^backend 'wasm' is installed but failed to start: .*wasmPaths/), expect.stringMatching(/^backend 'cpu'/)] });
    await expect(attempt).rejects.toThrow(/tensorflow-gpu is not installed .*tensorflow is not installed .*backend 'wasm' is installed but failed/);
  });
});
