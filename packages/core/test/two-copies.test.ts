/**
 * Two copies of @peftjs/core in one process (the dual package hazard): the app
 * imports the ESM build, a CJS method package requires the CJS build. Builds
 * core with its own tsup config into an app folder's node_modules, then runs
 * test/two-copies/main.mjs there in plain Node (jest cannot load an ESM and a
 * CJS build side by side) and checks what each copy makes of the other's objects.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const packageDir = resolve(__dirname, '..');
const repoModules = resolve(packageDir, '../../node_modules');
let appDir: string;
let report: Record<string, Record<string, unknown>>;

beforeAll(async () => {
  appDir = mkdtempSync(join(tmpdir(), 'peftjs-two-copies-'));
  const installed = join(appDir, 'node_modules', '@peftjs', 'core');
  mkdirSync(installed, { recursive: true });
  copyFileSync(join(packageDir, 'package.json'), join(installed, 'package.json'));
  const scope = join(appDir, 'node_modules', '@tensorflow');
  mkdirSync(scope);
  for (const pkg of ['tfjs-core', 'tfjs-backend-cpu', 'tfjs-backend-wasm']) symlinkSync(join(repoModules, '@tensorflow', pkg), join(scope, pkg), 'dir');

  // The package's own build (its tsup config, run where its package.json is), minus type declarations;
  // minified, so that nothing can lean on class names, which minifiers rename.
  const tsup = join(repoModules, 'tsup', 'dist', 'cli-default.js');
  execFileSync(process.execPath, [tsup, '--out-dir', join(installed, 'dist'), '--no-dts', '--minify', '--silent'], { cwd: packageDir, stdio: 'pipe', timeout: 60_000 });

  copyFileSync(join(__dirname, 'two-copies', 'main.mjs'), join(appDir, 'main.mjs'));
  const out = execFileSync(process.execPath, ['main.mjs'], { cwd: appDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  report = JSON.parse(out.trim().split('\n').pop() as string);
}, 120_000);

afterAll(() => {
  if (appDir) rmSync(appDir, { recursive: true, force: true });
});

test('the process really holds two copies of core', () => {
  expect(report.twoCopies).toBe(true);
});

test("each copy's layers and parameters are instances of the other copy's classes, and only of the right ones", () => {
  expect(report.layers).toEqual({
    esmLinearIsCjs: [true, true, true],
    cjsLinearIsEsm: [true, true, true],
    notOtherLayers: [false, false, false],
  });
});

test("an AdapterLayer subclass written against one copy is an adapter layer to the other copy's isAdapterLayer and instanceof", () => {
  expect(report.adapterLayer).toEqual({
    cjsLayerInEsm: [true, true, true],
    cjsLayerInCjs: [true, true],
    linearIsNot: [false, false],
  });
});

test("errors thrown by one copy are instances of the other copy's PeftError and specific class, with their names and codes", () => {
  expect(report.errors).toEqual({
    esmError: [true, true, false, 'NotFoundError', 'NOT_FOUND'],
    cjsError: [true, true, false, 'InvalidArgumentError', 'INVALID_ARGUMENT'],
    cjsShape: [true, 'ShapeMismatchError', [2, 2], [3]],
  });
});

test("a user's subclass without a brand answers as plain instanceof", () => {
  expect(report.userSubclasses).toEqual({
    myLinear: [true, false, false, true],
    myError: [true, false, true, 'MyError'],
  });
});

test("a PeftModel of one copy merges and unloads the adapter layers of a method written against the other copy", () => {
  const expected = {
    adapterLayers: [
      ['shift', true],
      ['shift', true],
      ['MODULES_TO_SAVE', false],
    ],
    wrapperSeenByLayerCopy: [false, false, true],
    adapterChangesOutput: true,
    mergedEqualsAdapted: true,
    adapterLayersAfterMerge: 0,
    unloadGivesBaseOutput: true,
    adapterLayersAfterUnload: 0,
  };
  expect(report.endToEnd).toEqual({ esmModelCjsLayers: expected, cjsModelEsmLayers: expected });
});
