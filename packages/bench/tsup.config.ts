import { defineConfig } from 'tsup';

export default defineConfig({
  // The library and the peftjs-bench executable (package.json "bin": ./dist/cli.js).
  // As ESM the two share chunks; the registries also live on globalThis, so a
  // module the CLI imports with --require registers into the CLI's own registry.
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // __filename in the ESM build: data packages are resolved from here first.
  shims: true,
  // tfjs and @peftjs/* must be one instance per process: never bundle them.
  external: [/^@tensorflow\//, /^@peftjs\//],
});
