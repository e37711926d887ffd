/**
 * tsup ships @peftjs/core as ESM and as CJS. Package probing and optional
 * imports must work in both, so this bundles the backend module the way tsup
 * does (esbuild, @tensorflow/* external) in each format and runs it in a plain
 * Node process, outside jest's module system: once in an app without the node
 * backends, once in an app where a stand-in @tensorflow/tfjs-node is installed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

const repoModules = resolve(__dirname, '../../../../node_modules');
const dirs: string[] = [];

/** An app folder with the backend bundled in both formats and node_modules linked from the repo. */
function makeApp(withTfjsNode: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'peftjs-dual-build-'));
  dirs.push(dir);
  const scope = join(dir, 'node_modules', '@tensorflow');
  mkdirSync(scope, { recursive: true });
  for (const pkg of ['tfjs-core', 'tfjs-backend-cpu', 'tfjs-backend-wasm']) symlinkSync(join(repoModules, '@tensorflow', pkg), join(scope, pkg), 'dir');
  if (withTfjsNode) {
    // Stand-in for the real package: registers a 'tensorflow' backend (the cpu kernels under that name).
    mkdirSync(join(scope, 'tfjs-node'));
    writeFileSync(join(scope, 'tfjs-node', 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'index.js' }));
    writeFileSync(
      join(scope, 'tfjs-node', 'index.js'),
      `const tf = require('@tensorflow/tfjs-core'); const { MathBackendCPU } = require('@tensorflow/tfjs-backend-cpu');
       tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3); tf.copyRegisteredKernels('cpu', 'tensorflow');`,
    );
  }
  for (const format of ['esm', 'cjs'] as const) {
    buildSync({
      entryPoints: [resolve(__dirname, 'index.ts')],
      bundle: true,
      platform: 'node',
      target: 'es2022',
      format,
      external: ['@tensorflow/*'],
      outfile: join(dir, format === 'esm' ? 'backend.mjs' : 'backend.cjs'),
      logLevel: 'error',
    });
  }
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const smoke = `
  const info = await backend.useBackend();
  let gpu;
  try { await backend.useBackend('tensorflow-gpu'); } catch (e) { gpu = { code: e.code, packageName: e.packageName }; }
  const grad = tf.grad((t) => tf.sum(tf.gather(t, tf.tensor1d([1, 1], 'int32'))))(tf.tensor2d([1, 2, 3, 4], [2, 2]));
  console.log(JSON.stringify({ name: info.name, gpu, grad: Array.from(grad.dataSync()), hasRequire: typeof require }));
`;
/** Runs `body` (with `backend` and `tf` in scope) in the app's folder, as an app runs next to its node_modules. */
function run(dir: string, format: 'esm' | 'cjs', body = smoke): Record<string, unknown> {
  const [file, source] =
    format === 'esm'
      ? ['main.mjs', `import * as backend from './backend.mjs'; import * as tf from '@tensorflow/tfjs-core'; ${body}`]
      : ['main.cjs', `const backend = require('./backend.cjs'); const tf = require('@tensorflow/tfjs-core'); (async () => { ${body} })();`];
  writeFileSync(join(dir, file), source);
  // The timeout also catches a process that does not exit once its work is done.
  const out = execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  return JSON.parse(out.trim().split('\n').pop() as string);
}

const gpuMissing = { code: 'BACKEND_NOT_INSTALLED', packageName: '@tensorflow/tfjs-node-gpu' };

const threaded = `
  const info = await backend.useBackend('wasm', { wasmThreads: 2 });
  const product = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2]));
  console.log(JSON.stringify({ threads: info.threads, product: Array.from(product.dataSync()) }));
`;

describe.each(['esm', 'cjs'] as const)('the %s build', (format) => {
  test('starts wasm with two threads in plain Node, and the process still exits by itself', () => {
    expect(run(makeApp(false), format, threaded)).toEqual({ threads: 2, product: [19, 22, 43, 50] });
  });
  test('without the node backends: auto takes wasm, asking for one names its package, training works', () => {
    const result = run(makeApp(false), format);
    expect(result).toEqual({ name: 'wasm', gpu: gpuMissing, grad: [0, 0, 2, 2], hasRequire: format === 'esm' ? 'undefined' : 'function' });
  });
  test('with @tensorflow/tfjs-node installed: auto finds and takes it', () => {
    expect(run(makeApp(true), format)).toMatchObject({ name: 'tensorflow', gpu: gpuMissing, grad: [0, 0, 2, 2] });
  });
});
