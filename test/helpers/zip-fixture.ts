import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { assetPath } from '../../lib/shared/paths';

/**
 * Zip a folder with Info-ZIP `zip -r -X` (deflate, Unix modes kept), as a stand-in for the CDK CLI's zipping of a
 * directory asset (yazl: deflate, modes kept).
 */
export function zipFolder(folder: string): Buffer {
  const out = join(mkdtempSync(join(tmpdir(), 'mlw-zip-')), 'archive.zip');
  try {
    execFileSync('zip', ['-q', '-r', '-X', out, '.'], { cwd: folder });
    return readFileSync(out);
  } finally {
    rmSync(dirname(out), { recursive: true, force: true });
  }
}

/** Random bytes that are certainly not UTF-8 text (they include NUL and 0xFF). */
export const BINARY_SAMPLE = Buffer.concat([
  Buffer.from([0x00, 0xff, 0xfe, 0x89, 0x50, 0x4e, 0x47]),
  Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919) % 256)),
]);

/**
 * The real seed archive (assets/gitlab-mlops) plus a binary file `model-build/tests/data/blob.bin`
 * ({@link BINARY_SAMPLE}), zipped.
 */
export function seedArchiveWithBinary(): Buffer {
  const work = mkdtempSync(join(tmpdir(), 'mlw-seed-'));
  try {
    cpSync(assetPath('gitlab-mlops'), work, { recursive: true });
    mkdirSync(join(work, 'model-build', 'tests', 'data'), { recursive: true });
    writeFileSync(join(work, 'model-build', 'tests', 'data', 'blob.bin'), BINARY_SAMPLE);
    chmodSync(join(work, 'model-deploy', 'scripts', 'deploy_stack.sh'), 0o755);
    return zipFolder(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
