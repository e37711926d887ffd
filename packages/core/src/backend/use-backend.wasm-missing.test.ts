/**
 * The wasm backend when its binaries cannot be fetched: the error names the
 * `wasmPaths` option and the files to serve. Its own file: a failed wasm start
 * cannot be retried in the same process (tfjs keeps the failed init).
 */
import { BackendInitError } from './errors';
import { useBackend } from './use-backend';

test('a wasm start whose binaries are missing names wasmPaths and the three files', async () => {
  const missing = '/nonexistent-peftjs-wasm-dir/';
  const attempt = useBackend('wasm', { wasmPaths: missing, wasmThreads: 1 });
  await expect(attempt).rejects.toBeInstanceOf(BackendInitError);
  await expect(attempt).rejects.toMatchObject({ code: 'BACKEND_INIT_FAILED', backend: 'wasm' });
  await expect(attempt).rejects.toThrow(
    `if its .wasm binaries could not be fetched (tfjs looked where wasmPaths says ('${missing}')): serve tfjs-backend-wasm.wasm, tfjs-backend-wasm-simd.wasm, tfjs-backend-wasm-threaded-simd.wasm from node_modules/@tensorflow/tfjs-backend-wasm/dist/ and pass their URL prefix as useBackend('wasm', { wasmPaths: 'https://your.host/path/' })`,
  );
});
