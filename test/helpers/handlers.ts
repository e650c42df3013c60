import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type BuildResult, build } from 'esbuild';
import { HOUSE_BUNDLING } from '../../lib/shared/bundling';
import { REPO_ROOT } from '../../lib/shared/paths';

/**
 * Every Lambda handler entry: `lambdas/<workflow>/<function>.ts` (not `contract.ts`, not `core/`, not `shared/`).
 * Paths are relative to the repository root.
 */
export function handlerEntries(): string[] {
  const root = join(REPO_ROOT, 'lambdas');
  return readdirSync(root)
    .filter((workflow) => workflow !== 'shared' && statSync(join(root, workflow)).isDirectory())
    .flatMap((workflow) =>
      readdirSync(join(root, workflow))
        .filter((file) => file.endsWith('.ts') && file !== 'contract.ts' && !file.endsWith('.d.ts'))
        .map((file) => relative(REPO_ROOT, join(root, workflow, file))),
    )
    .sort();
}

/**
 * Bundle every handler entry with the house esbuild settings into `outdir` (`<entry path>.mjs`, with a metafile), as
 * `HandlerFunction` does through CDK. Shared by the bundling test and the benchmark.
 */
export async function bundleHandlers(
  outdir: string,
  entries: string[] = handlerEntries(),
): Promise<BuildResult<{ metafile: true }>> {
  return build({
    ...HOUSE_BUNDLING,
    mainFields: [...HOUSE_BUNDLING.mainFields],
    banner: { js: HOUSE_BUNDLING.banner },
    entryPoints: Object.fromEntries(entries.map((e) => [e.replace(/\.ts$/, ''), join(REPO_ROOT, e)])),
    bundle: true,
    outdir,
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'silent',
  });
}
