import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Jest global setup: build the CLI (cli/build.mjs → dist/cli/) once before any test runs, so the CLI tests run the
 * current sources through the real launcher (bin/mlw.js), exactly as `npx mlw` does after `npm ci`.
 */
export default function globalSetup(): void {
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'cli', 'build.mjs')], { stdio: 'inherit' });
}
