import { defineConfig } from 'tsup';

export default defineConfig({
  // Two entries: the main one, and the tfjs-layers bridge, which alone loads the
  // optional peer @tensorflow/tfjs-layers (package.json maps it to "./tfjs-layers").
  entry: { index: 'src/index.ts', 'tfjs-layers': 'src/tfjs-layers/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // tfjs and @peftjs/* must be one instance per process: never bundle them. This
  // includes @peftjs/models itself, which the tfjs-layers entry imports by name.
  external: [/^@tensorflow\//, /^@peftjs\//],
});
