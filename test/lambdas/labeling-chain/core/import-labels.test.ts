import { Readable } from 'node:stream';
import fc from 'fast-check';
import {
  groundTruthDate,
  importLabels,
  type ImportLabelsOptions,
  ProblemList,
  readLabelTable,
  splitCsvLine,
} from '../../../../lambdas/labeling-chain/core/import-labels';
import { scanManifest } from '../../../../lambdas/labeling-chain/core/manifest';
import { type JsonLineBatches, openLocalFile } from '../../../../lambdas/shared/jsonl';
import { readLineBatches } from '../../../../lambdas/shared/text';
import { fixtureLines, fixturePath, textLines } from '../../../helpers/labeling-chain-fixtures';

const NOW = new Date('2026-11-23T10:20:30.456Z');
const OPTIONS: ImportLabelsOptions = {
  labelAttributeName: 'animal',
  classes: ['cat', 'dog', 'bird'],
  task: 'image-classification',
  jobName: 'vendor-import',
  now: NOW,
};

async function tableFrom(csv: string, classes = OPTIONS.classes) {
  const problems = new ProblemList();
  const table = await readLabelTable(readLineBatches(Readable.from([Buffer.from(csv)])), classes, problems);
  return { table, problems };
}

async function run(manifest: JsonLineBatches, csv: string, options = OPTIONS) {
  const { table, problems } = await tableFrom(csv, options.classes);
  const out: string[] = [];
  const report = await importLabels(manifest, table, options, (text) => void out.push(text), problems);
  return { report, out };
}

describe('import-labels core', () => {
  it('splits RFC 4180 CSV lines', () => {
    expect(splitCsvLine('a,b')).toEqual(['a', 'b']);
    expect(splitCsvLine('"s3://x/a,b.jpg","say ""hi"""')).toEqual(['s3://x/a,b.jpg', 'say "hi"']);
    expect(splitCsvLine('a,')).toEqual(['a', '']);
    expect(splitCsvLine('"open')).toBeUndefined();
  });

  it('merges third-party labels into the image-classification manifest in Ground Truth output format', async () => {
    const csv = await new Promise<string>((resolve) => {
      let text = '';
      openLocalFile(fixturePath('third-party-labels.csv'))
        .on('data', (c: Buffer) => (text += c.toString()))
        .on('end', () => resolve(text));
    });
    const { report, out } = await run(fixtureLines('image-classification.output.manifest'), csv);
    expect(report.problems.toString()).toBe('');
    expect(report).toMatchObject({ lines: 10, imported: 3, unchanged: 7 });
    const byRef = new Map(
      out.map((l) => [
        (JSON.parse(l) as Record<string, string>)['source-ref'],
        JSON.parse(l) as Record<string, unknown>,
      ]),
    );
    expect(byRef.get('s3://pets-data/images/0008.jpg')).toEqual({
      'source-ref': 's3://pets-data/images/0008.jpg',
      camera: 'south',
      animal: 1,
      'animal-metadata': {
        'class-name': 'dog',
        confidence: 1,
        type: 'groundtruth/image-classification',
        'job-name': 'labeling-job/vendor-import',
        'human-annotated': 'yes',
        'creation-date': '2026-11-23T10:20:30.456',
      },
    });
    // A failed object gets its label; its unknown keys survive.
    expect(byRef.get('s3://pets-data/images/0004.jpg')).toMatchObject({
      animal: 2,
      notes: { nested: [1, 2, 3] },
      'animal-metadata': { 'class-name': 'bird' },
    });
    // Untouched lines are written byte for byte.
    expect(out[0]).toBe(
      '{"source-ref":"s3://pets-data/images/0001.jpg","animal":0,"animal-metadata":{"confidence":0.94,"job-name":"labeling-job/pets-2026-11","class-name":"cat","human-annotated":"yes","creation-date":"2026-11-02T10:11:12.123456","type":"groundtruth/image-classification"},"camera":"north"}',
    );
    // A continued job now sends only the rest to workers.
    const after = await scanManifest(textLines(out.join('\n')), ['animal']);
    expect(after.counters.animal).toMatchObject({
      total: 10,
      labeled: 8,
      humanLabeled: 7,
      failed: 2,
      unlabeled: 0,
      needsLabeling: 2,
    });
  });

  it('writes text-classification labels for inline sources', async () => {
    const { report, out } = await run(
      fixtureLines('text-classification.input.manifest'),
      'The delivery was late and the box was damaged,complaint\ns3://texts/long/t4.txt,praise\n',
      {
        ...OPTIONS,
        labelAttributeName: 'sentiment',
        classes: ['complaint', 'praise', 'question'],
        task: 'text-classification',
      },
    );
    expect(report.problems.count).toBe(0);
    expect(JSON.parse(out[0]!)).toMatchObject({
      id: 't1',
      sentiment: 0,
      'sentiment-metadata': { type: 'groundtruth/text-classification', 'class-name': 'complaint' },
    });
    expect(JSON.parse(out[3]!)).toMatchObject({ id: 't4', sentiment: 1 });
  });

  it('lists unknown classes, unknown sources, malformed rows, conflicts and already-labeled lines together', async () => {
    const csv = [
      'source-ref,label',
      's3://pets-data/images/0008.jpg,hamster',
      's3://pets-data/images/0009.jpg,cat',
      's3://pets-data/images/0009.jpg,dog',
      's3://nowhere/x.jpg,cat',
      'just-one-field',
      's3://pets-data/images/0001.jpg,dog',
    ].join('\n');
    const { report } = await run(fixtureLines('image-classification.output.manifest'), csv);
    expect(report.problems.listed).toEqual([
      'labels line 2: unknown class "hamster" for s3://pets-data/images/0008.jpg (classes: cat, dog, bird)',
      'labels line 4: s3://pets-data/images/0009.jpg is labeled "dog" here and "cat" on line 3',
      'labels line 6: expected two fields "source-ref,label", got 1',
      'manifest line 1: s3://pets-data/images/0001.jpg is already labeled for "animal" (use --overwrite to replace it)',
      'labels line 5: s3://nowhere/x.jpg is not in the manifest',
    ]);
    expect(report.problems.count).toBe(5);
  });

  it('replaces existing labels with overwrite', async () => {
    const { report, out } = await run(
      fixtureLines('image-classification.output.manifest'),
      's3://pets-data/images/0001.jpg,dog',
      { ...OPTIONS, overwrite: true },
    );
    expect(report.problems.count).toBe(0);
    expect(JSON.parse(out[0]!)).toMatchObject({
      animal: 1,
      camera: 'north',
      'animal-metadata': { 'class-name': 'dog', 'job-name': 'labeling-job/vendor-import' },
    });
  });

  it('reports manifest lines that are not JSON with their numbers', async () => {
    const { report } = await run(textLines('{"source-ref":"s3://a/1"}\nnope\n'), 's3://a/1,cat');
    expect(report.problems.listed).toEqual([expect.stringMatching(/^manifest line 2: /)]);
  });

  it('formats creation-date as ISO 8601 without a zone', () => {
    expect(groundTruthDate(NOW)).toBe('2026-11-23T10:20:30.456');
  });

  it('property: every unknown key survives import, labeled or not', async () => {
    const reserved = new Set(['source-ref', 'animal', 'animal-metadata', '__proto__']);
    const extra = fc.dictionary(
      fc.string({ minLength: 1 }).filter((k) => !reserved.has(k)),
      fc.jsonValue(),
      { maxKeys: 6 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(extra, fc.boolean()), { minLength: 1, maxLength: 20 }), async (rows) => {
        const lines = rows.map(([keys], i) => JSON.stringify({ 'source-ref': `s3://b/${i}.jpg`, ...keys }));
        const csv = rows.flatMap(([, label], i) => (label ? [`s3://b/${i}.jpg,dog`] : [])).join('\n');
        const { report, out } = await run(textLines(lines.join('\n')), csv);
        expect(report.problems.count).toBe(0);
        expect(out).toHaveLength(rows.length);
        out.forEach((text, i) => {
          const written = JSON.parse(text) as Record<string, unknown>;
          const original = JSON.parse(lines[i]!) as Record<string, unknown>;
          for (const [key, value] of Object.entries(original)) expect(written[key]).toEqual(value);
          expect(written.animal).toBe(rows[i]![1] ? 1 : undefined);
        });
      }),
    );
  });
});
