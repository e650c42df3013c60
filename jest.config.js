/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  // ESM-only packages (Vega, Vega-Lite, their d3 modules, hyparquet) are compiled to CommonJS like our own code.
  transformIgnorePatterns: [
    '/node_modules/(?!(vega|vega-[a-z-]+|d3-[a-z-]+|internmap|delaunator|robust-predicates|json-stringify-pretty-compact|hyparquet)/)',
  ],
  // vega-canvas's Node build loads the optional `canvas` package with a top-level await, which CommonJS cannot hold;
  // its browser build is the same without that (no canvas: SVG rendering estimates text widths either way).
  moduleNameMapper: { '^vega-canvas$': '<rootDir>/node_modules/vega-canvas/build/vega-canvas.browser.js' },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  setupFiles: ['<rootDir>/test/helpers/setup-env.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/helpers/setup-after-env.ts'],
  testTimeout: 120000,
  maxWorkers: 2,
};
