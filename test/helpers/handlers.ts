import { relative } from 'node:path';
import { type BuildResult, build } from 'esbuild';
import { handlerEntries as entries } from '../../lib/shared/bundler';
import { houseBuildOptions } from '../../lib/shared/bundling';
import { REPO_ROOT } from '../../lib/shared/paths';

/**
 * Every Lambda handler entry: `lambdas/<workflow>/<function>.ts` (not `contract.ts`, not `core/`, not `shared/`).
 * Paths are relative to the repository root.
 */
export function handlerEntries(): string[] {
  return entries().map((entry) => relative(REPO_ROOT, entry));
}

/**
 * Bundle handler entries with the house esbuild settings into `outdir` (`<entry path without .ts>.mjs`, with a
 * metafile) through the asynchronous esbuild API, for measurements outside a synth. `HandlerFunction` builds the same
 * bundles through `lib/shared/bundler.ts`.
 */
export async function bundleHandlers(
  outdir: string,
  relativeEntries: string[] = handlerEntries(),
): Promise<BuildResult<{ metafile: true }>> {
  return build({
    ...houseBuildOptions(),
    entryPoints: Object.fromEntries(relativeEntries.map((e) => [e.replace(/\.ts$/, ''), `${REPO_ROOT}/${e}`])),
    outdir,
    absWorkingDir: REPO_ROOT,
    metafile: true,
  });
}
