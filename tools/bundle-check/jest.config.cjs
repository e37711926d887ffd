module.exports = {
  ...require('../../jest.preset.cjs'),
  rootDir: __dirname,
  displayName: 'bundle-check',
  // These tests use the built packages, never the sources.
  moduleNameMapper: {},
  testMatch: ['<rootDir>/*.test.ts'],
  testTimeout: 300000,
};
