// Shared jest settings for every package. Tests import sibling packages from
// their TypeScript sources (no build needed), and swc strips types without
// type-checking: `npm run typecheck` is the type gate.
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  moduleNameMapper: {
    '^@peftjs/([a-z-]+)$': path.join(__dirname, 'packages/$1/src/index.ts'),
    '^@peftjs/([a-z-]+)/(testing|tfjs-layers)$': path.join(__dirname, 'packages/$1/src/$2/index.ts'),
  },
  // tfjs-core's deep files (gradient definitions) are ES modules in a package
  // without "type": "module"; jest must transform them to load them.
  transformIgnorePatterns: ['/node_modules/(?!@tensorflow/tfjs-core/dist/)', '/node_modules/@tensorflow/tfjs-core/dist/tf-core'],
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testTimeout: 120000,
};
