import fc from 'fast-check';
import { proposalsFrom, ratioToPixels } from '../../../../lambdas/custom-labels-assist/core/boxes';
import { readImageHeader, skipReasonOf } from '../../../../lambdas/custom-labels-assist/core/images';
import { chunkLines, manifestEntries } from '../../../../lambdas/custom-labels-assist/core/manifest';
import { compareVersions } from '../../../../lambdas/custom-labels-assist/core/compare';
import { type BoundingBoxTaskInput, type HumanReviewOutput } from '../../../../lambdas/review/contract';
import { fixtureBytes } from '../../../helpers/custom-labels-assist-fixtures';

describe('DetectCustomLabels boxes in pixels', () => {
  it('converts ratio boxes to whole pixels of the real size, clamped to the image', () => {
    expect(ratioToPixels({ Left: 0.1, Top: 0.25, Width: 0.5, Height: 0.5 }, 640, 360)).toEqual({
      left: 64,
      top: 90,
      width: 320,
      height: 180,
    });
    // Rekognition's ratios may reach past the edges.
    expect(ratioToPixels({ Left: -0.05, Top: 0.9, Width: 0.2, Height: 0.3 }, 1000, 500)).toEqual({
      left: 0,
      top: 450,
      width: 150,
      height: 50,
    });
    expect(ratioToPixels({ Left: 1.2, Top: 0.1, Width: 0.1, Height: 0.1 }, 1000, 500)).toBeUndefined();
    expect(ratioToPixels({ Left: 0.1, Top: 0.1 }, 1000, 500)).toBeUndefined();
  });

  it('property: every converted box lies inside the image and is at least 1 × 1', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 64, max: 4096 }),
        fc.integer({ min: 64, max: 4096 }),
        fc.record({
          Left: fc.double({ min: -0.5, max: 1.5, noNaN: true }),
          Top: fc.double({ min: -0.5, max: 1.5, noNaN: true }),
          Width: fc.double({ min: 0, max: 1.5, noNaN: true }),
          Height: fc.double({ min: 0, max: 1.5, noNaN: true }),
        }),
        (width, height, ratio) => {
          const box = ratioToPixels(ratio, width, height);
          if (!box) return;
          expect(Number.isInteger(box.left) && Number.isInteger(box.width)).toBe(true);
          expect(box.left).toBeGreaterThanOrEqual(0);
          expect(box.top).toBeGreaterThanOrEqual(0);
          expect(box.width).toBeGreaterThanOrEqual(1);
          expect(box.height).toBeGreaterThanOrEqual(1);
          expect(box.left + box.width).toBeLessThanOrEqual(width);
          expect(box.top + box.height).toBeLessThanOrEqual(height);
        },
      ),
    );
  });

  it("keeps the model's real confidences, highest first, at most 50, and counts what it leaves out", () => {
    const labels = [
      { Name: 'Car', Confidence: 41.234, Geometry: { BoundingBox: { Left: 0.5, Top: 0.5, Width: 0.2, Height: 0.2 } } },
      { Name: 'Sun', Confidence: 97.5, Geometry: { BoundingBox: { Left: 0, Top: 0, Width: 0.1, Height: 0.1 } } },
      { Name: 'Kitchen', Confidence: 88 },
      { Name: 'Far', Confidence: 70, Geometry: { BoundingBox: { Left: 2, Top: 2, Width: 0.1, Height: 0.1 } } },
      ...Array.from({ length: 50 }, (_, i) => ({
        Name: 'Dot',
        Confidence: 40 + i / 100,
        Geometry: { BoundingBox: { Left: 0.01 * i, Top: 0.3, Width: 0.01, Height: 0.02 } },
      })),
    ];
    const result = proposalsFrom(labels, 1000, 500);
    expect(result.boxes).toHaveLength(50);
    expect(result.boxes[0]).toEqual({ label: 'Sun', confidence: 97.5, left: 0, top: 0, width: 100, height: 50 });
    expect(result.boxes[1]).toEqual({ label: 'Car', confidence: 41.234, left: 500, top: 250, width: 200, height: 100 });
    expect(result).toMatchObject({ withoutBox: 1, outside: 1, overLimit: 2 });
  });
});

describe('images of a folder', () => {
  it('skips what Custom Labels cannot read, with the reason', () => {
    expect(skipReasonOf('images/a.JPG', 1000)).toBeUndefined();
    expect(skipReasonOf('images/a.png', 15 * 1024 * 1024)).toBeUndefined();
    expect(skipReasonOf('images/a.gif', 1000)).toBe('not a .jpg, .jpeg or .png name (.gif)');
    expect(skipReasonOf('images/README', 10)).toBe('not a .jpg, .jpeg or .png name');
    expect(skipReasonOf('images/', 0)).toBe('a folder marker');
    expect(skipReasonOf('images/big.jpg', 15 * 1024 * 1024 + 1)).toMatch(/more than the 15 MB/);
    expect(skipReasonOf('images/empty.png', 0)).toBe('empty object');
  });

  it('reads the real size from the header (EXIF orientation applied), and refuses what is not an image', () => {
    expect(readImageHeader(fixtureBytes('images/wide-640x360.png'), true)).toEqual({
      ok: true,
      width: 640,
      height: 360,
      type: 'png',
    });
    expect(readImageHeader(fixtureBytes('images/tall-300x800.jpg'), true)).toMatchObject({ width: 300, height: 800 });
    // Stored 300 × 800 with EXIF orientation 6 (a quarter turn): displayed, and detected, as 800 × 300.
    expect(readImageHeader(fixtureBytes('images/rotated-exif6-300x800.jpg'), true)).toMatchObject({
      width: 800,
      height: 300,
    });
    const fake = readImageHeader(fixtureBytes('images/fake.jpg'), true);
    expect(fake !== 'need-more' && !fake.ok && fake.reason).toMatch(/^not a readable image/);
    expect(readImageHeader(fixtureBytes('images/fake.jpg').subarray(0, 4), false)).toBe('need-more');
  });
});

describe('manifest entries from a review', () => {
  const input: BoundingBoxTaskInput = {
    kind: 'bounding-box-verification',
    categories: ['Car', 'Sun'],
    items: [
      {
        index: 0,
        image: 's3://imgs/a.jpg',
        width: 640,
        height: 360,
        proposals: [
          { label: 'Sun', confidence: 87.5, left: 10, top: 10, width: 50, height: 50 },
          { label: 'Car', confidence: 40.1, left: 100, top: 100, width: 80, height: 40 },
          { label: 'Car', confidence: 55, left: 300, top: 100, width: 80, height: 40 },
        ],
      },
      { index: 1, image: 's3://imgs/b.jpg', width: 300, height: 800, proposals: [] },
    ],
  };
  const output: HumanReviewOutput<BoundingBoxTaskInput> = {
    flowDefinitionArn: 'arn:aws:apigateway:us-east-1::/restapis/x',
    humanLoopName: 'cla-0123456789ab-000000',
    inputContent: input,
    humanAnswers: [
      {
        workerId: 'ivy',
        submissionTime: '2026-11-30T10:15:42.250Z',
        answerContent: {
          annotatedResult0: {
            decisions: [{ decision: 'accept' }, { decision: 'reject' }, { decision: 'relabel', label: 'Sun' }],
            added: [{ label: 'Car', left: 500, top: 200, width: 30, height: 30 }],
            imageRejected: false,
            inputImageProperties: { width: 640, height: 360 },
            boundingBoxes: [
              { label: 'Sun', left: 10, top: 10, width: 50, height: 50 },
              { label: 'Sun', left: 300, top: 100, width: 80, height: 40 },
              { label: 'Car', left: 500, top: 200, width: 30, height: 30 },
            ],
          },
          annotatedResult1: {
            decisions: [],
            added: [],
            imageRejected: true,
            inputImageProperties: { width: 300, height: 800 },
            boundingBoxes: [],
          },
        },
      },
    ],
  };

  it("writes the verified boxes with integer class ids, the model's confidence for accepted boxes and the real review time", () => {
    const entries = manifestEntries(output, 'Completed', { labelAttribute: 'bounding-box', jobName: 'labeling-job/x' });
    expect(entries.lines).toEqual([
      {
        'source-ref': 's3://imgs/a.jpg',
        'bounding-box': {
          image_size: [{ width: 640, height: 360, depth: 3 }],
          annotations: [
            { class_id: 1, left: 10, top: 10, width: 50, height: 50 },
            { class_id: 1, left: 300, top: 100, width: 80, height: 40 },
            { class_id: 0, left: 500, top: 200, width: 30, height: 30 },
          ],
        },
        'bounding-box-metadata': {
          objects: [{ confidence: 0.875 }, { confidence: 1 }, { confidence: 1 }],
          'class-map': { '0': 'Car', '1': 'Sun' },
          type: 'groundtruth/object-detection',
          'human-annotated': 'yes',
          'creation-date': '2026-11-30T10:15:42.250',
          'job-name': 'labeling-job/x',
        },
      },
    ]);
    expect(entries.needsLabeling).toEqual([
      {
        'source-ref': 's3://imgs/b.jpg',
        reason: 'rejected as a whole by the reviewer',
        taskId: 'cla-0123456789ab-000000',
        reviewedBy: 'ivy',
        reviewedAt: '2026-11-30T10:15:42.250Z',
      },
    ]);
  });

  it('sends every image of a review that did not complete to the needs-labeling list', () => {
    const entries = manifestEntries({ ...output, humanAnswers: [] }, 'Stopped', {
      labelAttribute: 'bounding-box',
      jobName: 'labeling-job/x',
    });
    expect(entries.lines).toEqual([]);
    expect(entries.needsLabeling.map((n) => n['source-ref'])).toEqual(['s3://imgs/a.jpg', 's3://imgs/b.jpg']);
  });

  it('cuts dataset changes into chunks under the size limit, never splitting a line', () => {
    const lines = Array.from({ length: 100 }, (_, i) =>
      JSON.stringify({ 'source-ref': `s3://b/${i}.jpg`, pad: 'x'.repeat(i) }),
    );
    const chunks = chunkLines(lines, 1000);
    expect(chunks.every((c) => Buffer.byteLength(c) <= 1000)).toBe(true);
    expect(chunks.join('').split('\n').filter(Boolean)).toEqual(lines);
    expect(() => chunkLines(['x'.repeat(2000)], 1000)).toThrow(/larger than a chunk/);
  });
});

describe('F1 comparison', () => {
  it('compares the new version with the one that proposed the boxes', () => {
    expect(
      compareVersions(
        { modelVersionArn: 'a', f1Score: 0.8123 },
        { modelVersionArn: 'b', f1Score: 0.8456, status: 'TRAINING_COMPLETED' },
      ),
    ).toMatchObject({
      verdict: 'better',
      f1Change: 0.0333,
      message: 'F1 0.812 → 0.846 (+0.033): the new version is better.',
    });
    expect(
      compareVersions({ modelVersionArn: 'a', f1Score: 0.9 }, { modelVersionArn: 'b', status: 'TRAINING_FAILED' }),
    ).toMatchObject({
      verdict: 'not comparable',
      message: 'No F1 score for the new version (status TRAINING_FAILED); nothing to compare.',
    });
  });
});
