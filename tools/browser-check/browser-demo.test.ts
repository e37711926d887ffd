/**
 * The browser demo (examples/browser) as a user meets it: built by Vite, served
 * from 127.0.0.1, driven in Debian's Chromium. It trains LoRA in the page's
 * worker on wasm and on webgl (SwiftShader), the loss must fall, the adapter is
 * downloaded through the page's links, and Node loads those bytes on the same
 * seeded base and must compute what the page reported.
 */
import { backendInfo, PeftModel, registerGradients, registerWasmTrainingKernels } from '@peftjs/core';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { makeBase, outputsOf, trainAdapter } from '../../examples/browser/src/experiment';
import type { DemoBackend, DemoResult } from '../../examples/browser/src/protocol';
import { CPU_ONLY_FLAGS, findChromium, launchChromium, SWIFTSHADER_FLAGS, WEBGPU_SWIFTSHADER_FLAGS, type LaunchedChromium } from './chromium';
import { serveDirectory, type StaticServer } from './static-server';

const repoRoot = path.resolve(__dirname, '../..');
const demoDir = path.join(repoRoot, 'examples/browser');
const outDir = path.join(__dirname, 'out');
const STEPS = 40;
const PAGE_TIMEOUT_MS = 180_000;

const chromiumPath = findChromium();
if (chromiumPath == null && process.env.CI === 'true') {
  throw new Error('browser-check: chromium is required under CI=true but `command -v chromium` found nothing (.ci/run installs it)');
}

interface PageRun {
  readonly result: DemoResult;
  readonly config: Buffer;
  readonly weights: Buffer;
}

async function download(page: Page, selector: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click(selector, { timeout: 30_000 })]);
  return readFile((await file.path()) as string);
}

async function trainInPage(browser: LaunchedChromium, url: string, backend: DemoBackend): Promise<PageRun> {
  const page = await browser.context.newPage();
  const console: string[] = [];
  page.on('console', (message) => console.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => console.push(`pageerror: ${error.message}`));
  try {
    await page.goto(url, { timeout: 30_000 });
    await page.selectOption('#backend', backend, { timeout: 10_000 });
    await page.fill('#steps', String(STEPS), { timeout: 10_000 });
    await page.click('#train', { timeout: 10_000 });
    await page.waitForSelector('#status:is([data-state=done], [data-state=error])', { timeout: PAGE_TIMEOUT_MS });
    const state = await page.getAttribute('#status', 'data-state');
    if (state !== 'done') throw new Error(`the page reported: ${await page.textContent('#status')}\n${console.join('\n')}`);
    const result = JSON.parse((await page.textContent('#result')) as string) as DemoResult;
    const config = await download(page, '#download-config');
    const weights = await download(page, '#download-weights');
    await mkdir(outDir, { recursive: true });
    await page.screenshot({ path: path.join(outDir, `demo-${backend}.png`), fullPage: true, timeout: 30_000 });
    return { result, config, weights };
  } finally {
    await page.close().catch(() => undefined);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function expectLossFalls(run: PageRun): void {
  const losses = run.result.steps.map((s) => s.loss);
  expect(losses).toHaveLength(STEPS);
  expect(losses.every(Number.isFinite)).toBe(true);
  // From the base's fit of an unrelated target, 40 Adam steps at 1e-2 at least halve it.
  const lastFive = losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
  expect(lastFive).toBeLessThan(losses[0] / 2);
}

/** The downloaded files, loaded in Node on wasm on the same seeded base. */
async function nodeOutputs(run: PageRun): Promise<number[]> {
  const config = JSON.parse(run.config.toString('utf8'));
  expect(config).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8 });
  const loaded = await PeftModel.fromAdapterBytes(makeBase(), { config: new Uint8Array(run.config), weights: new Uint8Array(run.weights) });
  try {
    return await outputsOf(loaded);
  } finally {
    loaded.dispose();
  }
}

if (chromiumPath == null) {
  const reason = 'chromium is not installed (apt-get install chromium; required when CI=true)';
  process.stdout.write(`browser-check: skipped, ${reason}\n`);
  test.skip(`browser demo: ${reason}`, () => undefined);
} else {
  describe('browser demo in Chromium', () => {
    let server: StaticServer;
    const browsers: LaunchedChromium[] = [];
    const stepMs: Partial<Record<DemoBackend | 'node-wasm', number>> = {};
    const engines: string[] = [];

    beforeAll(async () => {
      await promisify(execFile)(process.execPath, [path.join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '-c', path.join(demoDir, 'vite.config.mjs'), '--logLevel', 'warn'], {
        cwd: repoRoot,
        timeout: 180_000,
      });
      server = await serveDirectory(path.join(demoDir, 'dist'));
      // What useBackend('wasm') does in Node (one thread), by hand: the built core loads the
      // backend with a native import(), which jest's module sandbox cannot run.
      if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') returned false in Node");
      registerGradients();
      registerWasmTrainingKernels();
    });

    afterAll(async () => {
      for (const browser of browsers) await browser.close();
      await server?.close();
      const node = stepMs['node-wasm'];
      if (node != null) {
        const line = (name: DemoBackend) => (stepMs[name] == null ? '' : `, page ${name} ${stepMs[name]?.toFixed(2)} ms (${((stepMs[name] as number) / node).toFixed(2)}x)`);
        process.stdout.write(`browser-check: median step, node wasm ${node.toFixed(2)} ms${line('wasm')}${line('webgl')}${line('webgpu')}; engines: ${engines.join('; ')}\n`);
      }
    });

    /** One browser per backend (their GPU flags differ), closed when the run ends; afterAll closes what a timeout left. */
    async function trainInChromium(flags: readonly string[], backend: DemoBackend): Promise<PageRun> {
      const browser = await launchChromium(chromiumPath as string, flags);
      browsers.push(browser);
      try {
        return await trainInPage(browser, server.url, backend);
      } finally {
        await browser.close();
      }
    }

    test('wasm: trains in the worker, the loss falls, and Node computes the same outputs from the downloaded adapter bit for bit', async () => {
      const run = await trainInChromium(CPU_ONLY_FLAGS, 'wasm');
      expect(run.result.engine).toMatch(/^wasm /);
      expectLossFalls(run);
      expect(run.result.reloadEqual).toBe(true);
      // The page fetched the binaries from the prefix it passed as wasmPaths.
      expect(server.requests.some((p) => /^\/tfjs-wasm\/tfjs-backend-wasm[\w-]*\.wasm$/.test(p))).toBe(true);
      // Same wasm kernels in Node: identical numbers.
      expect(await nodeOutputs(run)).toEqual(run.result.outputs);
      stepMs.wasm = run.result.medianStepMs;
      engines.push(`page ${run.result.engine}`);
    });

    test('webgl on SwiftShader: trains, the loss falls, and Node computes the page outputs to float32 GPU precision', async () => {
      const run = await trainInChromium(SWIFTSHADER_FLAGS, 'webgl');
      expect(run.result.engine).toMatch(/^webgl /);
      expectLossFalls(run);
      expect(run.result.reloadEqual).toBe(true);
      // Shaders round differently from wasm's kernels: close, not identical.
      const node = await nodeOutputs(run);
      expect(node).toHaveLength(run.result.outputs.length);
      node.forEach((value, i) => expect(Math.abs(value - run.result.outputs[i])).toBeLessThan(1e-4 + 1e-4 * Math.abs(value)));
      stepMs.webgl = run.result.medianStepMs;
      engines.push(`page ${run.result.engine}`);
    });

    test('webgpu on SwiftShader: trains, the loss falls, and Node computes the page outputs to float32 GPU precision', async () => {
      const run = await trainInChromium(WEBGPU_SWIFTSHADER_FLAGS, 'webgpu');
      expect(run.result.engine).toMatch(/^webgpu /);
      expectLossFalls(run);
      expect(run.result.reloadEqual).toBe(true);
      const node = await nodeOutputs(run);
      expect(node).toHaveLength(run.result.outputs.length);
      node.forEach((value, i) => expect(Math.abs(value - run.result.outputs[i])).toBeLessThan(1e-4 + 1e-4 * Math.abs(value)));
      stepMs.webgpu = run.result.medianStepMs;
      engines.push(`page ${run.result.engine}`);
    });

    test('the same training in Node on wasm, for the step-time comparison', async () => {
      const records: number[] = [];
      const model = await trainAdapter(STEPS, (record) => records.push(record.ms));
      model.dispose();
      expect(records).toHaveLength(STEPS);
      stepMs['node-wasm'] = median(records.slice(1));
      const info = backendInfo();
      engines.push(`node ${info.name} (simd ${String(info.simd)}, threads ${info.threads})`);
    });
  });
}
