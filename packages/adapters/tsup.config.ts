import path from 'node:path';
import { defineConfig, type Options } from 'tsup';

const common: Options = {
  format: ['esm', 'cjs'],
  sourcemap: true,
  target: 'es2022',
  // tfjs and @peftjs/* must be one instance per process: never bundle them.
  external: [/^@tensorflow\//, /^@peftjs\//],
};

/** The browser build's file system: every `./file-system` import gets `./file-system.browser.ts`. */
const browserFileSystem = {
  name: 'browser-file-system',
  setup(build: { onResolve(options: { filter: RegExp }, callback: (args: { path: string; resolveDir: string }) => { path: string }): void }) {
    build.onResolve({ filter: /(^|\/)file-system$/ }, (args) => ({ path: path.join(args.resolveDir, `${args.path}.browser.ts`) }));
  },
};

export default defineConfig([
  // Node: the package's `node` export condition.
  { ...common, entry: { index: 'src/index.ts' }, dts: true, clean: ['!browser/**'] },
  // Everything else: same API, no file system.
  { ...common, entry: { index: 'src/index.ts' }, outDir: 'dist/browser', dts: false, clean: true, esbuildPlugins: [browserFileSystem] },
]);
