module.exports = {
  ...require('../../jest.preset.cjs'),
  rootDir: __dirname,
  displayName: 'browser-check',
  // The page bundles the built packages; Node must load the same builds, never the sources.
  moduleNameMapper: {},
  testMatch: ['<rootDir>/*.test.ts'],
  testTimeout: 300000,
};
