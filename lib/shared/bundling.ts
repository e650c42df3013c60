/**
 * The house esbuild settings for Lambda handlers, shared by `HandlerFunction` (through CDK's NodejsFunction
 * bundling) and by the bundling test and benchmark (through the esbuild API), so all three build the same thing.
 */
export const HOUSE_BUNDLING = {
  /** Node.js 24 on Lambda. */
  target: 'node24',
  platform: 'node',
  format: 'esm',
  /** Prefer ESM entry points of dependencies (better tree shaking). */
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  /** ESM bundles of CommonJS dependencies need a `require` in scope. */
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
} as const;
