/**
 * Every package as a web developer meets it: its browser entry (the `import`
 * condition without `node`), from the built dist, bundled by esbuild for
 * `platform: 'browser'`. Fails on any error or warning (a Node built-in that does
 * not resolve, say), on any module of a package's Node build in the bundle, and
 * on a second copy of tfjs-core. Prints, and bounds, the size of what an app
 * training LoRA in a browser ships.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, formatMessages, type Message, type Metafile } from 'esbuild';

const repoRoot = path.resolve(__dirname, '../..');
const packagesDir = path.join(repoRoot, 'packages');

// A Node CLI and its harness (fs, os, child processes): it has no browser entry.
const NODE_ONLY = new Set(['@peftjs/bench']);

const manifests = readdirSync(packagesDir)
  .map((folder) => ({ dir: path.join(packagesDir, folder), manifest: JSON.parse(readFileSync(path.join(packagesDir, folder, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);
const browserPackages = manifests.filter(({ manifest }) => !NODE_ONLY.has(manifest.name));

/**
 * Strings that each occur once in tfjs-core's source, in its engine, its flag
 * registry and its op wrapper: a bundle holding two copies of tfjs-core (its
 * `module` build beside a bundled-in deep import, say) holds them twice.
 */
const TFJS_CORE_MARKERS = ['Please provide a function to tidy()', 'as it has not been registered.', 'Please provide an object with a single key'];

// Measured when this check was written: 1254 KB minified, 434 KB gzip. About
// twice that, so that only a regression of the kind this file guards against
// (a second tfjs-core, a Node polyfill, a bundled dependency) fails it.
const BUDGET_MINIFIED = 2.5 * 1024 * 1024;
const BUDGET_GZIP = 900 * 1024;

interface Bundle {
  code: string;
  metafile: Metafile;
  problems: string[];
}

async function bundle(contents: string): Promise<Bundle> {
  let messages: { errors: Message[]; warnings: Message[] };
  try {
    const result = await build({
      stdin: { contents, resolveDir: __dirname, loader: 'js', sourcefile: 'app.js' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: __dirname,
      // As a user's project: no tsconfig `paths` to the workspace's sources.
      tsconfigRaw: {},
    });
    messages = { errors: result.errors, warnings: result.warnings };
    if (result.warnings.length === 0) return { code: result.outputFiles[0].text, metafile: result.metafile, problems: [] };
  } catch (error) {
    messages = error as { errors: Message[]; warnings: Message[] };
  }
  const formatted = [...(await formatMessages(messages.errors, { kind: 'error' })), ...(await formatMessages(messages.warnings, { kind: 'warning' }))];
  return { code: '', metafile: { inputs: {}, outputs: {} }, problems: formatted };
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

// Packages with file I/O ship two builds: dist/ for the `node` condition, dist/browser/ for the rest.
const splitFolders = manifests.filter(({ manifest }) => manifest.exports?.['.']?.node !== undefined).map(({ dir }) => path.basename(dir));

/** Inputs of the bundle from a split package's Node build. */
function nodeBuildInputs(metafile: Metafile): string[] {
  return Object.keys(metafile.inputs).filter((input) => splitFolders.some((folder) => input.includes(`packages/${folder}/dist/`) && !input.includes(`packages/${folder}/dist/browser/`)));
}

beforeAll(() => {
  const unbuilt = browserPackages.filter(({ dir }) => !existsSync(path.join(dir, 'dist')));
  if (unbuilt.length > 0) throw new Error(`expected built packages (nx run-many -t build), found no dist/ in ${unbuilt.map(({ dir }) => path.basename(dir)).join(', ')}`);
});

test('every published package but the Node-only ones is checked', () => {
  expect(splitFolders.sort()).toEqual(['adapters', 'core']);
  expect(manifests.filter(({ manifest }) => NODE_ONLY.has(manifest.name)).map(({ manifest }) => manifest.name)).toEqual([...NODE_ONLY]);
  expect(browserPackages.length).toBe(manifests.length - NODE_ONLY.size);
});

describe.each(browserPackages.map(({ manifest }) => manifest.name as string))('%s', (name) => {
  let result: Bundle;
  beforeAll(async () => {
    result = await bundle(`export * from '${name}';`);
  });

  it('bundles for the browser without an error or a warning', () => {
    expect(result.problems).toEqual([]);
  });

  it('reaches no Node build and no Node built-in', () => {
    expect(nodeBuildInputs(result.metafile)).toEqual([]);
    expect(Object.keys(result.metafile.inputs).filter((input) => input.startsWith('node:') || /^(fs|path|os|crypto)$/.test(input))).toEqual([]);
  });

  it('holds exactly one copy of tfjs-core', () => {
    expect(TFJS_CORE_MARKERS.map((marker) => count(result.code, marker))).toEqual(TFJS_CORE_MARKERS.map(() => 1));
  });
});

test('core + lora + models + the wasm backend: one tfjs-core, within the size budget', async () => {
  const app = await bundle(
    [
      "import * as core from '@peftjs/core';",
      "import * as lora from '@peftjs/lora';",
      "import * as models from '@peftjs/models';",
      "import * as wasm from '@tensorflow/tfjs-backend-wasm';",
      'export { core, lora, models, wasm };',
    ].join('\n'),
  );
  expect(app.problems).toEqual([]);
  expect(TFJS_CORE_MARKERS.map((marker) => count(app.code, marker))).toEqual(TFJS_CORE_MARKERS.map(() => 1));
  const minified = Buffer.byteLength(app.code);
  const gzipped = gzipSync(app.code, { level: 9 }).length;
  console.log(`browser bundle of core + lora + models + tfjs-backend-wasm (JS only, every export kept): ${(minified / 1024).toFixed(1)} KB minified, ${(gzipped / 1024).toFixed(1)} KB gzip`);
  expect(minified).toBeLessThan(BUDGET_MINIFIED);
  expect(gzipped).toBeLessThan(BUDGET_GZIP);
});
