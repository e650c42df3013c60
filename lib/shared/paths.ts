import * as path from 'node:path';

/** Root of the repository (where `package.json` and `package-lock.json` live). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Absolute path of a Lambda entry file under `lambdas/`, e.g. `lambdaEntry('example/count-lines.ts')`. */
export function lambdaEntry(relative: string): string {
  return path.join(REPO_ROOT, 'lambdas', relative);
}

/** Absolute path of a file or folder under `assets/`. */
export function assetPath(relative: string): string {
  return path.join(REPO_ROOT, 'assets', relative);
}
