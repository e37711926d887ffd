import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // tfjs-core's main entry (its engine and registries) must be one instance
  // shared by every @peftjs package: never bundle it. Its gradient definitions,
  // which the main entry does not register, are bundled (src/register-gradients.ts).
  external: ['@tensorflow/tfjs-core', /^@tensorflow\/tfjs-(backend|node)/, /^@peftjs\//],
  noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
});
