import fc from 'fast-check';
import {
  type ManifestReport,
  checkManifestLine,
  emptyReport,
  scanCustomLabelsManifest,
} from '../../../../lambdas/custom-labels-assist/core/manifest-rules';
import { manifestLine } from '../../../../lambdas/custom-labels-assist/core/manifest';
import { type BoxAnswer, type DrawnBox, type ImageReviewItem } from '../../../../lambdas/review/contract';
import { openLocalFile, readJsonLineBatches } from '../../../../lambdas/shared/jsonl';
import { fixturePath } from '../../../helpers/custom-labels-assist-fixtures';

async function scan(name: string): Promise<ManifestReport> {
  return scanCustomLabelsManifest(readJsonLineBatches(openLocalFile(fixturePath(name)), { what: name }));
}

describe('Custom Labels manifest rules', () => {
  it('accepts the documented examples: boxes, an image without objects, extra keys, an image-level label', async () => {
    const report = await scan('valid.manifest');
    expect(report.problems).toEqual([]);
    expect(report.problemCount).toBe(0);
    expect(report.stats).toMatchObject({
      lines: 4,
      images: 4,
      labeledImages: 4,
      boxes: 3,
      maxBoxesPerImage: 2,
      imagesWithoutBoxes: 1,
      humanAnnotated: 3,
      machineAnnotated: 1,
      attributes: { 'bounding-box': 3, room: 1 },
      labels: {
        Echo: { images: 2, boxes: 2 },
        'Echo Dot': { images: 1, boxes: 1 },
        Kitchen: { images: 1, boxes: 0 },
      },
    });
  });

  it('names each broken rule with its line number and the Custom Labels error', async () => {
    const report = await scan('invalid.manifest');
    const byLine = new Map<number, string[]>();
    for (const p of report.problems) byLine.set(p.line, [...(byLine.get(p.line) ?? []), p.code]);
    expect(Object.fromEntries(byLine)).toEqual({
      2: ['ERROR_MISSING_SOURCE_REF'],
      3: ['ERROR_INVALID_SOURCE_REF_FORMAT'],
      4: ['ERROR_INVALID_BOUNDING_BOX'],
      5: ['ERROR_MISSING_CLASS_MAP_ID'],
      6: ['ERROR_MISSING_BOUNDING_BOX_CONFIDENCE'],
      7: ['ERROR_BOUNDING_BOX_TOO_SMALL'],
      8: ['ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', 'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT'],
      9: ['ERROR_UNSUPPORTED_USE_CASE_TYPE'],
      10: ['ERROR_INVALID_JSON_LINE'],
      11: ['ERROR_INVALID_IMAGE_DIMENSION'],
      12: [
        'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT',
        'ERROR_INVALID_LABEL_NAME_LENGTH',
        'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT',
      ],
      13: ['ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT'],
      14: ['ERROR_TOO_MANY_BOUNDING_BOXES'],
    });
    expect(report.invalidLines).toBe(13);
    const message = (line: number) => report.problems.find((p) => p.line === line)!.message;
    expect(message(4)).toBe(
      'bounding-box.annotations[0]: (left 600, top 400, width 100, height 100) is not inside the 640 × 480 image',
    );
    expect(message(5)).toBe('bounding-box.annotations[0].class_id 7 is not in bounding-box-metadata.class-map');
    expect(message(13)).toBe('label attribute "bounding-box" has no "bounding-box-metadata"');
    expect(message(14)).toBe('bounding-box.annotations: 51 boxes; at most 50 per image');
  });

  it('counts at most 250 labels in a manifest', () => {
    const report = emptyReport();
    const line = (label: string) => ({
      'source-ref': 's3://bucket/a.jpg',
      c: 0,
      'c-metadata': {
        confidence: 1,
        'class-name': label,
        'human-annotated': 'yes',
        'creation-date': '2026-11-18T02:53:27',
        'job-name': 'labeling-job/x',
        type: 'groundtruth/image-classification',
      },
    });
    for (let i = 0; i < 250; i += 1) expect(checkManifestLine(line(`label-${i}`), i + 1, report)).toEqual([]);
    expect(checkManifestLine(line('label-0'), 251, report)).toEqual([]);
    expect(checkManifestLine(line('one-too-many'), 252, report).map((p) => p.code)).toEqual([
      'ERROR_MANIFEST_TOO_MANY_LABELS',
    ]);
  });
});

/** A random image and a valid list of boxes inside it. */
const imageWithBoxes = fc
  .record({ width: fc.integer({ min: 64, max: 4096 }), height: fc.integer({ min: 64, max: 4096 }) })
  .chain(({ width, height }) =>
    fc.record({
      width: fc.constant(width),
      height: fc.constant(height),
      boxes: fc.array(
        fc
          .record({ left: fc.integer({ min: 0, max: width - 1 }), top: fc.integer({ min: 0, max: height - 1 }) })
          .chain(({ left, top }) =>
            fc.record({
              label: fc.constantFrom('Sun', 'Roof', 'Car', 'Échelle 梯子'),
              left: fc.constant(left),
              top: fc.constant(top),
              width: fc.integer({ min: 1, max: width - left }),
              height: fc.integer({ min: 1, max: height - top }),
            }),
          ),
        { maxLength: 50 },
      ),
    }),
  );

function lineFor(width: number, height: number, boxes: DrawnBox[]) {
  const item: ImageReviewItem = { index: 0, image: 's3://bucket/images/x.jpg', width, height, proposals: [] };
  const answer: BoxAnswer = {
    boundingBoxes: boxes,
    inputImageProperties: { width, height },
    decisions: [],
    added: boxes,
    imageRejected: false,
  };
  return manifestLine(
    item,
    answer,
    { submissionTime: '2026-11-30T10:00:00.000Z' },
    {
      labelAttribute: 'bounding-box',
      jobName: 'labeling-job/test',
    },
  );
}

describe('property: manifest lines the workflow writes', () => {
  it('any valid box list round-trips: the line is valid and gives back the same boxes and labels', () => {
    fc.assert(
      fc.property(imageWithBoxes, ({ width, height, boxes }) => {
        const line = lineFor(width, height, boxes);
        const parsed = JSON.parse(JSON.stringify(line)) as Record<string, unknown>;
        expect(checkManifestLine(parsed, 1, emptyReport())).toEqual([]);
        const label = parsed['bounding-box'] as {
          image_size: { width: number; height: number }[];
          annotations: { class_id: number; left: number; top: number; width: number; height: number }[];
        };
        const classMap = (parsed['bounding-box-metadata'] as { 'class-map': Record<string, string> })['class-map'];
        expect(label.image_size[0]).toMatchObject({ width, height });
        expect(
          label.annotations.map(({ class_id: id, left, top, width: w, height: h }) => ({
            label: classMap[String(id)],
            left,
            top,
            width: w,
            height: h,
          })),
        ).toEqual(boxes);
      }),
    );
  });

  it('any box reaching outside the image is reported, with its line', () => {
    fc.assert(
      fc.property(
        imageWithBoxes.filter((x) => x.boxes.length > 0),
        fc.nat(),
        fc.constantFrom('left', 'top', 'right', 'bottom'),
        fc.integer({ min: 1, max: 500 }),
        ({ width, height, boxes }, pick, side, by) => {
          const i = pick % boxes.length;
          const box = { ...boxes[i]! };
          if (side === 'left') box.left = -by;
          else if (side === 'top') box.top = -by;
          else if (side === 'right') box.left = width - box.width + by;
          else box.top = height - box.height + by;
          const broken = boxes.map((b, k) => (k === i ? box : b));
          const problems = checkManifestLine(lineFor(width, height, broken), 7, emptyReport());
          const found = problems.filter(
            (p) =>
              p.line === 7 &&
              p.code === 'ERROR_INVALID_BOUNDING_BOX' &&
              p.message.startsWith(`bounding-box.annotations[${i}]:`),
          );
          expect(found).toHaveLength(1);
        },
      ),
    );
  });
});
