import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import {
  countLine,
  emptyCounters,
  labelState,
  MAX_FAILURE_REASONS,
  OTHER_FAILURE_REASONS,
  scanManifest,
} from '../../../../lambdas/labeling-chain/core/manifest';
import { readJsonLineBatches, openLocalFile } from '../../../../lambdas/shared/jsonl';
import { fixtureLines, textLines } from '../../../helpers/labeling-chain-fixtures';

const FIELD_CASES = join(__dirname, '..', '..', '..', 'fixtures', 'field-cases');
const fieldCaseLines = (name: string) => readJsonLineBatches(openLocalFile(join(FIELD_CASES, name)));

describe('manifest scan (the one streaming core)', () => {
  it('counts an image-classification output manifest with failures and a second label attribute', async () => {
    const scan = await scanManifest(fixtureLines('image-classification.output.manifest'), [
      'animal',
      'animal-v2',
      'never-used',
    ]);
    expect(scan.lines).toBe(10);
    expect(scan.invalidCount).toBe(0);
    expect(scan.counters.animal).toEqual({
      total: 10,
      labeled: 5,
      humanLabeled: 4,
      machineLabeled: 1,
      failed: 3,
      unlabeled: 2,
      needsLabeling: 5,
      failureReasons: {
        'ClientError: Annotation tasks expired. The tasks were not completed within the task availability lifetime.': 2,
        'ServerError: Annotation consolidation failed': 1,
      },
    });
    expect(scan.counters['animal-v2']).toMatchObject({
      total: 10,
      labeled: 2,
      humanLabeled: 1,
      machineLabeled: 1,
      failed: 0,
      unlabeled: 8,
      needsLabeling: 8,
    });
    expect(scan.counters['never-used']).toMatchObject({ total: 10, labeled: 0, unlabeled: 10, needsLabeling: 10 });
  });

  it('counts bounding boxes (object labels, adjustment status) and a failed box job', async () => {
    const scan = await scanManifest(fixtureLines('bounding-box.output.manifest'), ['vehicles']);
    expect(scan.counters.vehicles).toEqual({
      total: 5,
      labeled: 3,
      humanLabeled: 2,
      machineLabeled: 1,
      failed: 1,
      unlabeled: 1,
      needsLabeling: 2,
      failureReasons: { 'ClientError: Annotation tasks expired.': 1 },
    });
  });

  it('counts a label-verification layer separately from the layer it reviews', async () => {
    const scan = await scanManifest(fixtureLines('label-verification.output.manifest'), [
      'vehicles',
      'vehicles-verified',
    ]);
    expect(scan.counters['vehicles-verified']).toMatchObject({
      total: 4,
      labeled: 2,
      failed: 1,
      unlabeled: 1,
      needsLabeling: 2,
    });
    expect(scan.counters.vehicles).toMatchObject({ total: 4, labeled: 1, unlabeled: 3 });
  });

  it('reports lines that are not JSON objects with their line numbers and keeps counting the rest', async () => {
    const scan = await scanManifest(
      textLines('{"source-ref":"s3://b/1","x":1}\nnot json\n\n[1,2]\n{"source-ref":"s3://b/2"}\n'),
      ['x'],
    );
    expect(scan.lines).toBe(4);
    expect(scan.invalidCount).toBe(2);
    expect(scan.invalid.map((i) => i.lineNumber)).toEqual([2, 4]);
    expect(scan.invalid[1]?.error).toBe('not a JSON object (an array)');
    expect(scan.counters.x).toMatchObject({ total: 2, labeled: 1, unlabeled: 1 });
  });

  it('never breaks on unknown or odd values: metadata that is not an object, null labels, empty reasons', () => {
    expect(labelState({ x: 1, 'x-metadata': 'weird' }, 'x')).toEqual({ kind: 'labeled', human: true });
    expect(labelState({ x: null }, 'x')).toEqual({ kind: 'unlabeled' });
    expect(labelState({ 'x-metadata': { 'failure-reason': '' } }, 'x')).toEqual({ kind: 'failed', reason: 'unknown' });
    expect(labelState({ x: 0, 'x-metadata': { 'failure-reason': 'E', 'human-annotated': 'yes' } }, 'x')).toEqual({
      kind: 'failed',
      reason: 'E',
    });
    expect(labelState({ x: [1, 2], 'x-metadata': { 'human-annotated': 'no', 'class-map': {} } }, 'x')).toEqual({
      kind: 'labeled',
      human: false,
    });
  });

  it('keeps at most MAX_FAILURE_REASONS distinct reasons and counts the rest together', () => {
    const counters = emptyCounters();
    for (let i = 0; i < MAX_FAILURE_REASONS + 5; i += 1) countLine(counters, { kind: 'failed', reason: `reason ${i}` });
    countLine(counters, { kind: 'failed', reason: 'reason 0' });
    expect(Object.keys(counters.failureReasons)).toHaveLength(MAX_FAILURE_REASONS + 1);
    expect(counters.failureReasons[OTHER_FAILURE_REASONS]).toBe(5);
    expect(counters.failureReasons['reason 0']).toBe(2);
  });

  const metadata = fc.oneof(
    fc.constant(undefined),
    fc.constant('not an object'),
    fc.record(
      {
        'human-annotated': fc.constantFrom('yes', 'no', undefined),
        confidence: fc.double({ min: 0, max: 1, noNaN: true }),
      },
      { requiredKeys: [] },
    ),
    fc.record({ 'failure-reason': fc.oneof(fc.string(), fc.integer()) }),
  );
  const line = fc.record(
    {
      'source-ref': fc.string(),
      lab: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
      'lab-metadata': metadata,
      other: fc.jsonValue(),
    },
    { requiredKeys: ['source-ref'] },
  );

  it('property: the counters always add up to total', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            line.map((l) => JSON.stringify(l)),
            fc.string(),
          ),
          { maxLength: 40 },
        ),
        async (rows) => {
          const scan = await scanManifest(textLines(rows.join('\n')), ['lab']);
          const c = scan.counters.lab!;
          expect(c.labeled + c.failed + c.unlabeled).toBe(c.total);
          expect(c.humanLabeled + c.machineLabeled).toBe(c.labeled);
          expect(c.needsLabeling).toBe(c.failed + c.unlabeled);
          expect(Object.values(c.failureReasons).reduce((a, b) => a + b, 0)).toBe(c.failed);
          expect(c.total + scan.invalidCount).toBe(scan.lines);
        },
      ),
    );
  });

  it('names the attributes that never appear and lists the label attributes that do', async () => {
    const scan = await scanManifest(fixtureLines('image-classification.output.manifest'), ['animal', 'aminal']);
    expect(scan.absent).toEqual(['aminal']);
    expect(scan.labelAttributesFound).toEqual(['animal', 'animal-v2']);
    const present = await scanManifest(fixtureLines('image-classification.output.manifest'), ['animal']);
    expect(present).toMatchObject({ absent: [], labelAttributesFound: [] });
  });

  it('reads the BOM field case exactly as without its BOM', async () => {
    const withBom = await scanManifest(fieldCaseLines('labeling-chain-bom-output.manifest'), ['animal']);
    const text = readFileSync(join(FIELD_CASES, 'labeling-chain-bom-output.manifest')).subarray(3);
    const without = await scanManifest(textLines(text.toString('utf8')), ['animal']);
    expect(withBom.invalidCount).toBe(0);
    expect(withBom).toEqual(without);
    expect(withBom.counters.animal!.total).toBeGreaterThan(0);
  });

  it('reports a line that is not UTF-8 as invalid and counts the rest', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"source-ref":"s3://b/1","x":0}\n{"source-ref":"s3://b/caf'),
      Buffer.from([0xe9]),
      Buffer.from('.jpg"}\n{"source-ref":"s3://b/3"}\n'),
    ]);
    const scan = await scanManifest(readJsonLineBatches(Readable.from([bytes])), ['x']);
    expect(scan.invalid).toEqual([{ lineNumber: 2, error: 'not valid UTF-8: byte 0xE9 at column 26' }]);
    expect(scan.counters.x).toMatchObject({ total: 2, labeled: 1, unlabeled: 1 });
  });
});
