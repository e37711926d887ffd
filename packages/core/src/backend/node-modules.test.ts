/** Probing for optional packages, and telling "not installed" from "installed but broken". */
import { importByName, isMissingPackageError, isPackageInstalled, resolveModulePath } from './node-modules';

test('probes without loading', async () => {
  expect(await isPackageInstalled('@tensorflow/tfjs-core')).toBe(true);
  expect(await isPackageInstalled('@tensorflow/tfjs-node')).toBe(false);
  expect(await resolveModulePath('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js')).toMatch(/tfjs-backend-wasm-threaded-simd\.js$/);
});

test('a missing package is told apart from a package failing inside', async () => {
  const missing = await importByName('@tensorflow/tfjs-node').catch((e: unknown) => e);
  expect(isMissingPackageError(missing, '@tensorflow/tfjs-node')).toBe(true);
  // What Node says when tfjs-node is there but one of its own dependencies is not:
  const inner = Object.assign(new Error("Cannot find module '@tensorflow/tfjs'\nRequire stack:\n- /app/node_modules/@tensorflow/tfjs-node/dist/index.js"), { code: 'MODULE_NOT_FOUND' });
  expect(isMissingPackageError(inner, '@tensorflow/tfjs-node')).toBe(false);
  const esm = Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node' imported from /app/dist/index.js"), { code: 'ERR_MODULE_NOT_FOUND' });
  expect(isMissingPackageError(esm, '@tensorflow/tfjs-node')).toBe(true);
  expect(isMissingPackageError(new Error('libtensorflow.so.2: cannot open shared object file'), '@tensorflow/tfjs-node')).toBe(false);
  expect(isMissingPackageError(undefined, '@tensorflow/tfjs-node')).toBe(false);
});
