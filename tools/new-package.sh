#!/usr/bin/env bash
# Scaffolds packages/<name> as a publishable @peftjs package that depends on core.
# Usage: tools/new-package.sh <name> "<description>"
set -euo pipefail
name=$1
description=$2
dir="packages/$name"
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/$dir/src"
cd "$root/$dir"
node - "$name" "$description" <<'JS'
const [name, description] = process.argv.slice(2);
const fs = require('node:fs');
const manifest = {
  name: `@peftjs/${name}`,
  version: '0.0.0',
  description,
  license: 'Apache-2.0',
  type: 'module',
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.ts',
  exports: {
    '.': {
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    },
    './package.json': './package.json',
  },
  files: ['dist', 'README.md', 'CHANGELOG.md'],
  sideEffects: false,
  keywords: ['peft', 'fine-tuning', 'tensorflowjs', 'machine-learning'],
  engines: { node: '>=20' },
  scripts: { build: 'tsup', typecheck: 'tsc -p tsconfig.json', lint: 'eslint src', test: 'jest' },
  peerDependencies: { '@peftjs/core': '^0.0.0', '@tensorflow/tfjs-core': '^4.22.0' },
  devDependencies: { '@peftjs/core': '^0.0.0' },
  publishConfig: { access: 'public' },
};
fs.writeFileSync('package.json', JSON.stringify(manifest, null, 2) + '\n');
fs.writeFileSync('tsconfig.json', JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src', 'test'] }, null, 2) + '\n');
fs.writeFileSync('jest.config.cjs', `module.exports = { ...require('../../jest.preset.cjs'), rootDir: __dirname, displayName: '${name}' };\n`);
JS
cp "$root/packages/models/tsup.config.ts" tsup.config.ts
echo "scaffolded $dir"
