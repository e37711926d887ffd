/**
 * The published shape of every package, checked as a user would meet it:
 * `npm pack` each package, install the tarballs into a fresh project outside the
 * workspace (no symlinks), then load each package from ESM and from CommonJS.
 * Also runs publint and "are the types wrong" on each tarball.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '../..');
const packagesDir = path.join(repoRoot, 'packages');

interface PackageInfo {
  name: string;
  dir: string;
  tarball: string;
}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
}

const workDir = mkdtempSync(path.join(tmpdir(), 'peftjs-pack-'));
const tarballDir = path.join(workDir, 'tarballs');
const projectDir = path.join(workDir, 'project');
const packages: PackageInfo[] = [];

beforeAll(() => {
  mkdirSync(tarballDir, { recursive: true });
  mkdirSync(projectDir, { recursive: true });
  for (const folder of readdirSync(packagesDir)) {
    const dir = path.join(packagesDir, folder);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', tarballDir], dir));
    packages.push({ name: manifest.name, dir, tarball: path.join(tarballDir, packed.filename) });
  }
  writeFileSync(path.join(projectDir, 'package.json'), JSON.stringify({ name: 'fresh-user-project', private: true, version: '1.0.0' }));
  // Peers (tfjs-core, tfjs-layers) come from the registry as for any user; the
  // npm cache filled by `npm ci` makes this fast and offline-tolerant.
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...packages.map((p) => p.tarball), '@tensorflow/tfjs-layers@4.22.0'],
    projectDir,
  );
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

test('every published package is packed', () => {
  expect(packages.map((p) => p.name).sort()).toEqual(
    readdirSync(packagesDir)
      .map((f) => JSON.parse(readFileSync(path.join(packagesDir, f, 'package.json'), 'utf8')))
      .filter((m) => !m.private)
      .map((m) => m.name)
      .sort(),
  );
  expect(packages.length).toBeGreaterThan(0);
});

test('the installed packages are copies, not workspace links', () => {
  for (const { name } of packages) {
    const resolved = run('node', ['-p', `require('fs').realpathSync(require.resolve('${name}/package.json'))`], projectDir).trim();
    expect(resolved.startsWith(projectDir)).toBe(true);
  }
});

test.each(['esm', 'cjs'])('every package loads from %s with the same exports', (_format) => {
  for (const { name } of packages) {
    const esm = JSON.parse(
      run('node', ['--input-type=module', '-e', `const m = await import('${name}'); console.log(JSON.stringify(Object.keys(m).filter(k => k !== 'default').sort()))`], projectDir),
    );
    const cjs = JSON.parse(run('node', ['-e', `console.log(JSON.stringify(Object.keys(require('${name}')).sort()))`], projectDir));
    expect(esm.length).toBeGreaterThan(0);
    expect(cjs).toEqual(esm);
  }
});

const USE_CORE = `
const tf = LOAD('@tensorflow/tfjs-core');
const core = LOAD('@peftjs/core');
const info = await core.useBackend('wasm');
const before = tf.memory().numTensors;
core.manualSeed(1);
const layer = new core.Linear(3, 2);
// One tfjs engine for the user's tfjs-core and ours: the user's counter sees our variables.
if (tf.memory().numTensors !== before + 2) throw new Error('tfjs-core is not shared');
const x = tf.ones([4, 3]);
const g = tf.grad((w) => tf.sum(core.functionalCall(layer, { weight: w }, x)))(layer.weight.variable);
console.log(JSON.stringify({ backend: info.name, grad: Array.from(g.dataSync()) }));
`;

test.each([
  ['esm', USE_CORE.replace(/LOAD\(/g, 'await import(')],
  ['cjs', `(async () => {${USE_CORE.replace(/LOAD\(/g, 'require(')}})().catch((e) => { console.error(e); process.exit(1); });`],
])('@peftjs/core works from its tarball (%s): wasm backend, gradients, one shared tfjs engine', (format, source) => {
  const args = format === 'esm' ? ['--input-type=module', '-e', source] : ['-e', source];
  const out = JSON.parse(run('node', args, projectDir).trim().split('\n').pop()!);
  expect(out.backend).toBe('wasm');
  // d/dW sum(x Wᵀ + b) with x = ones[4,3]: every entry is 4.
  expect(out.grad).toEqual([4, 4, 4, 4, 4, 4]);
});

test.each(['publint', 'attw'])('%s finds no problem in any tarball', (tool) => {
  for (const { tarball, dir } of packages) {
    if (tool === 'publint') {
      const out = run(path.join(repoRoot, 'node_modules/.bin/publint'), ['--strict'], dir);
      expect(out).not.toMatch(/error|warning/i);
    } else {
      // Exits non-zero on any problem; `--profile node16` checks node10-style resolution is not required.
      run(path.join(repoRoot, 'node_modules/.bin/attw'), [tarball, '--profile', 'node16', '--format', 'ascii'], dir);
    }
  }
});
