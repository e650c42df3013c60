import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
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
