import { type BuildOptions } from 'esbuild';

/**
 * The house esbuild settings for Lambda handlers. `HandlerFunction` builds every handler with them in one esbuild
 * build (`lib/shared/bundler.ts`); the per-function `NodejsFunction` bundling that the benchmark keeps as its anchor
 * (`MLW_BUNDLING=per-function`) gets the same values through CDK's bundling props.
 */
export const HOUSE_BUNDLING = {
  /** Node.js 24 on Lambda. */
  target: 'node24',
  platform: 'node',
  format: 'esm',
  /** Prefer ESM entry points of dependencies (better tree shaking). */
  mainFields: ['module', 'main'],
  minify: true,
  /** A linked `index.mjs.map` beside each bundle (the bundle ends with a `sourceMappingURL` comment). */
  sourcemap: true,
  /** Source maps name the sources but do not embed them (smaller assets; stack traces still map). */
  sourcesContent: false,
  /** ESM bundles of CommonJS dependencies need a `require` in scope. */
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  /**
   * Optional packages a dependency tries at run time and works without, left out of every bundle: `canvas`
   * (node-canvas, native) is tried by vega-canvas in the trip-outliers report function, which renders SVG without it.
   * Kept here rather than per function so that every handler is built by the one esbuild build.
   */
  optionalExternals: ['canvas'],
} as const;

/**
 * esbuild options for a Lambda handler bundle with the house settings (bundled, minified ESM for Node.js 24, linked
 * source map, `.mjs` output). Entry points, output folder and `write` are the caller's.
 *
 * @param externalModules modules left out of the bundle (resolved from the Lambda runtime); none by default, so
 *   the AWS SDK is bundled and tests and production run the same SDK version.
 */
export function houseBuildOptions(externalModules: readonly string[] = []): BuildOptions {
  return {
    bundle: true,
    target: HOUSE_BUNDLING.target,
    platform: HOUSE_BUNDLING.platform,
    format: HOUSE_BUNDLING.format,
    mainFields: [...HOUSE_BUNDLING.mainFields],
    minify: HOUSE_BUNDLING.minify,
    sourcemap: HOUSE_BUNDLING.sourcemap,
    sourcesContent: HOUSE_BUNDLING.sourcesContent,
    banner: { js: HOUSE_BUNDLING.banner },
    external: [...HOUSE_BUNDLING.optionalExternals, ...externalModules],
    outExtension: { '.js': '.mjs' },
    // One self-contained file per function: no chunks shared between entry points.
    splitting: false,
    logLevel: 'silent',
  };
}
