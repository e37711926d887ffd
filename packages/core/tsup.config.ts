import path from 'node:path';
import { defineConfig, type Options } from 'tsup';

// tfjs-core's main entry (its engine and registries) must be one instance
// shared by every @peftjs package: never bundle it.
const external = ['@tensorflow/tfjs-core', /^@tensorflow\/tfjs-(backend|node)/, /^@peftjs\//];

const common: Options = { format: ['esm', 'cjs'], sourcemap: true, target: 'es2022' };

/** The browser build's file system: every `./file-system` import gets `./file-system.browser.ts`. */
const browserFileSystem = {
  name: 'browser-file-system',
  setup(build: { onResolve(options: { filter: RegExp }, callback: (args: { path: string; resolveDir: string }) => { path: string }): void }) {
    build.onResolve({ filter: /(^|\/)file-system$/ }, (args) => ({ path: path.join(args.resolveDir, `${args.path}.browser.ts`) }));
  },
};

export default defineConfig([
  {
    // Node (the package's `node` export condition), and the testing subpath.
    ...common,
    entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
    dts: true,
    clean: ['!browser/**'],
    external,
    // Node cannot load tfjs-core's deep ES-module files (no "type": "module"
    // there, extensionless imports), so register-gradients.ts's import of its
    // gradient definitions is bundled here. Only their code is copied: the
    // registry they fill is tfjs' global one, shared with the main entry.
    noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
  },
  {
    // Everything that is not Node. The deep import stays a bare specifier: a
    // bundler resolves it inside the same tfjs-core dist/ tree as tfjs-core's
    // `module` entry, so the bundle holds one tfjs-core (engine, ops, gradients).
    ...common,
    entry: { index: 'src/index.ts' },
    outDir: 'dist/browser',
    dts: false,
    clean: true,
    external: [...external, /^@tensorflow\/tfjs-core\/dist\//],
    esbuildPlugins: [browserFileSystem],
  },
]);
