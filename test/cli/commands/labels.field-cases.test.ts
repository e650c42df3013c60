import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../lib/shared/paths';
import { runMlw } from '../../helpers/cli';
import { fixturePath } from '../../helpers/custom-labels-assist-fixtures';

/**
 * The field cases (`/work/shared/field-cases/`, copied to test/fixtures/field-cases/) that are manifests, given to
 * `mlw labels manifest validate`: each gets the answer a Custom Labels dataset would give, never "valid" by accident.
 */
const fieldCase = (name: string) => join(REPO_ROOT, 'test', 'fixtures', 'field-cases', name);

describe('mlw labels manifest validate on the field cases', () => {
  it('an empty manifest (0 bytes) is invalid: Custom Labels refuses an empty manifest file', async () => {
    const file = fieldCase('labeling-chain-empty-output.manifest');
    expect(readFileSync(file)).toHaveLength(0);
    const run = await runMlw(['labels', 'manifest', 'validate', file]);
    expect(run.status).toBe(3);
    expect(run.stdout.trim()).toBe(
      `${file}:0: MANIFEST_EMPTY the manifest is empty: Custom Labels needs one JSON line per image`,
    );
  });

  it('a Ground Truth video object-detection manifest (labels by reference, -ref) is named as an unsupported type, line by line', async () => {
    const file = fieldCase('gt-video-object-detection-ref.output.manifest');
    const run = await runMlw(['labels', 'manifest', 'validate', file, '--json']);
    expect(run.status).toBe(3);
    const report = JSON.parse(run.stdout) as { valid: boolean; problems: { line: number; code: string }[] };
    expect(report.valid).toBe(false);
    expect(report.problems).toContainEqual(
      expect.objectContaining({ line: 1, code: 'ERROR_UNSUPPORTED_USE_CASE_TYPE' }) as unknown,
    );
    // The object whose labeling failed has metadata but no label attribute: reported on its own line.
    expect(report.problems).toContainEqual(
      expect.objectContaining({ line: 2, code: 'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT' }) as unknown,
    );
  });

  it('a manifest with a UTF-8 byte-order mark reads like the same manifest without it', async () => {
    const file = fieldCase('labeling-chain-bom-output.manifest');
    const bytes = readFileSync(file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const dir = mkdtempSync(join(tmpdir(), 'mlw-bom-'));
    try {
      const plain = join(dir, 'plain.manifest');
      writeFileSync(plain, bytes.subarray(3));
      const [withBom, without] = await Promise.all([
        runMlw(['labels', 'manifest', 'validate', file, '--json']),
        runMlw(['labels', 'manifest', 'validate', plain, '--json']),
      ]);
      expect(withBom.status).toBe(without.status);
      expect(JSON.parse(withBom.stdout)).toEqual(JSON.parse(without.stdout));
      expect((JSON.parse(withBom.stdout) as { problems: { line: number }[] }).problems[0]?.line).not.toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('images of two buckets in one manifest: ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS on the line of the other bucket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlw-buckets-'));
    try {
      const valid = readFileSync(fixturePath('valid.manifest'), 'utf8').trim().split('\n');
      const other = valid[1]!.replace(/"source-ref":\s*"s3:\/\/[^/]+\//, '"source-ref":"s3://another-bucket/');
      const file = join(dir, 'two-buckets.manifest');
      writeFileSync(file, [valid[0], other, ...valid.slice(2)].join('\n') + '\n');
      const run = await runMlw(['labels', 'manifest', 'validate', file]);
      expect(run.status).toBe(3);
      expect(run.stdout.trim().split('\n')).toEqual([
        expect.stringMatching(
          new RegExp(
            `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS source-ref is in bucket another-bucket`,
          ),
        ),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
