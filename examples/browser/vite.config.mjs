// Builds the demo into dist/ with relative URLs, and ships tfjs' wasm binaries
// under tfjs-wasm/, the prefix the page passes to useBackend as wasmPaths.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { defineConfig } from 'vite';

const require = createRequire(import.meta.url);
const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
const wasmFiles = readdirSync(wasmDir).filter((name) => name.endsWith('.wasm'));

function tfjsWasmFiles() {
  return {
    name: 'tfjs-wasm-files',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const name = request.url?.match(/\/tfjs-wasm\/([\w.-]+\.wasm)$/)?.[1];
        if (name == null || !wasmFiles.includes(name)) return next();
        response.setHeader('Content-Type', 'application/wasm');
        response.end(readFileSync(path.join(wasmDir, name)));
      });
    },
    generateBundle() {
      for (const name of wasmFiles) this.emitFile({ type: 'asset', fileName: `tfjs-wasm/${name}`, source: readFileSync(path.join(wasmDir, name)) });
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [tfjsWasmFiles()],
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
});
