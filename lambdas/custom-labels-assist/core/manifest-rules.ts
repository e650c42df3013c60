import { isJsonObject, type JsonLineBatches, notAnObject } from '../../shared/jsonl';
import { MAX_BOXES_PER_IMAGE, MAX_IMAGE_SIDE, MAX_LABEL_LENGTH, MAX_LABELS, MIN_IMAGE_SIDE } from '../contract';

/**
 * The rules of an Amazon Rekognition Custom Labels manifest (Ground Truth output format, JSON Lines), as the Custom
 * Labels developer guide states them ("Creating a manifest file", "Object localization in manifest files", "Image-level
 * labels in manifest files", guidelines and quotas, and the JSON Line validation errors): one JSON object per line; a
 * `source-ref` S3 URI; label attributes with their `-metadata`; object-detection labels with one `image_size`, at most
 * 50 boxes inside the image, every `class_id` in the `class-map` and one `objects` confidence per box; image-level
 * labels with an integer class and `class-name`; the metadata fields (`type`, `human-annotated`, `creation-date`,
 * `job-name`, confidences 0–1); at most 250 labels in a manifest. Each rule names the validation error Custom Labels
 * reports for it.
 *
 * Streaming: memory stays flat whatever the size (the labels seen, at most 251, and the first problems listed).
 */

/** One problem: the manifest line (1-based; 0 for the file as a whole), the Custom Labels error it stands for, and what is wrong. */
export interface ManifestProblem {
  readonly line: number;
  readonly code: string;
  readonly message: string;
}

/** Problems listed one by one; beyond them only counted. */
export const MAX_LISTED_PROBLEMS = 1000;

/** What the label attributes of a manifest hold, counted while validating. */
export interface ManifestStats {
  /** Lines read (blank lines are not counted). */
  lines: number;
  /** Lines that are valid JSON objects with a `source-ref`. */
  images: number;
  /** Images with at least one label attribute. */
  labeledImages: number;
  /** Bounding boxes over all images. */
  boxes: number;
  /** The most boxes on one image. */
  maxBoxesPerImage: number;
  /** Images whose object-detection labels hold no box (an image with no objects). */
  imagesWithoutBoxes: number;
  /** Label attributes with `human-annotated: yes` / `no`. */
  humanAnnotated: number;
  machineAnnotated: number;
  /** Per label name: images and boxes (image-level labels count as images only). */
  labels: Record<string, { images: number; boxes: number }>;
  /** Label attribute names seen, with how many lines carry each. */
  attributes: Record<string, number>;
}

/** The result of scanning a manifest. */
export interface ManifestReport {
  readonly stats: ManifestStats;
  /** The first {@link MAX_LISTED_PROBLEMS} problems, in line order. */
  readonly problems: ManifestProblem[];
  /** All problems, listed or not. */
  problemCount: number;
  /** Lines with at least one problem. */
  invalidLines: number;
}

const OBJECT_DETECTION = 'groundtruth/object-detection';
const IMAGE_CLASSIFICATION = 'groundtruth/image-classification';
const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+/;
/** ISO 8601 date and time, with or without fraction and zone (Ground Truth writes no zone). */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** An empty report. */
export function emptyReport(): ManifestReport {
  return {
    stats: {
      lines: 0,
      images: 0,
      labeledImages: 0,
      boxes: 0,
      maxBoxesPerImage: 0,
      imagesWithoutBoxes: 0,
      humanAnnotated: 0,
      machineAnnotated: 0,
      labels: {},
      attributes: {},
    },
    problems: [],
    problemCount: 0,
    invalidLines: 0,
  };
}

/** The problems of one line and what it adds to the statistics. */
class LineCheck {
  public readonly problems: ManifestProblem[] = [];
  constructor(
    private readonly lineNumber: number,
    private readonly report: ManifestReport,
  ) {}

  public add(code: string, message: string): void {
    this.problems.push({ line: this.lineNumber, code, message });
  }

  /** Count a label for the manifest-wide limit of {@link MAX_LABELS}. */
  public label(name: string, boxes: number, imageCounted: Set<string>): void {
    const labels = this.report.stats.labels;
    if (labels[name] === undefined) {
      if (Object.keys(labels).length >= MAX_LABELS) {
        this.add(
          'ERROR_MANIFEST_TOO_MANY_LABELS',
          `label "${name}" is label ${MAX_LABELS + 1}: a manifest has at most ${MAX_LABELS} labels`,
        );
        return;
      }
      labels[name] = { images: 0, boxes: 0 };
    }
    labels[name].boxes += boxes;
    if (!imageCounted.has(name)) {
      imageCounted.add(name);
      labels[name].images += 1;
    }
  }
}

function labelNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'must be a non-empty string';
  if (name.length > MAX_LABEL_LENGTH) return `has ${name.length} characters; at most ${MAX_LABEL_LENGTH}`;
  return undefined;
}

function checkCommonMetadata(
  check: LineCheck,
  attribute: string,
  metadata: Record<string, unknown>,
  report: ManifestReport,
): void {
  const at = `${attribute}-metadata`;
  const human = metadata['human-annotated'];
  if (human === 'yes') report.stats.humanAnnotated += 1;
  else if (human === 'no') report.stats.machineAnnotated += 1;
  else
    check.add(
      'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT',
      `${at}.human-annotated: ${JSON.stringify(human)} must be "yes" or "no"`,
    );
  const date = metadata['creation-date'];
  if (typeof date !== 'string' || !ISO_DATE_TIME.test(date) || Number.isNaN(Date.parse(date))) {
    check.add(
      'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT',
      `${at}.creation-date: ${JSON.stringify(date)} must be an ISO 8601 date and time, e.g. 2026-11-18T02:53:27`,
    );
  }
  const job = metadata['job-name'];
  if (typeof job !== 'string' || job === '') {
    check.add(
      'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT',
      `${at}.job-name: ${JSON.stringify(job)} must be a non-empty string (e.g. labeling-job/<name>)`,
    );
  }
}

function checkObjectDetection(
  check: LineCheck,
  attribute: string,
  value: Record<string, unknown>,
  metadata: Record<string, unknown>,
  report: ManifestReport,
  imageLabels: Set<string>,
): void {
  const sizes = value.image_size;
  const size = Array.isArray(sizes) && sizes.length === 1 && isJsonObject(sizes[0]) ? sizes[0] : undefined;
  let width: number | undefined;
  let height: number | undefined;
  if (!size) {
    check.add(
      'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT',
      `${attribute}.image_size: must be a list of exactly one {width, height, depth}`,
    );
  } else if (!isInteger(size.width) || !isInteger(size.height) || !isInteger(size.depth) || size.depth < 1) {
    check.add(
      'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT',
      `${attribute}.image_size[0]: width, height and depth must be positive whole numbers`,
    );
  } else if (
    size.width < MIN_IMAGE_SIDE ||
    size.height < MIN_IMAGE_SIDE ||
    size.width > MAX_IMAGE_SIDE ||
    size.height > MAX_IMAGE_SIDE
  ) {
    check.add(
      'ERROR_INVALID_IMAGE_DIMENSION',
      `${attribute}.image_size[0]: ${size.width} × ${size.height}; images have ${MIN_IMAGE_SIDE}–${MAX_IMAGE_SIDE} pixels a side`,
    );
    ({ width, height } = size as { width: number; height: number });
  } else {
    ({ width, height } = size as { width: number; height: number });
  }
  const annotations = value.annotations;
  if (!Array.isArray(annotations)) {
    check.add(
      'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT',
      `${attribute}.annotations: must be a list of boxes (empty for an image with no objects)`,
    );
    return;
  }
  if (annotations.length > MAX_BOXES_PER_IMAGE) {
    check.add(
      'ERROR_TOO_MANY_BOUNDING_BOXES',
      `${attribute}.annotations: ${annotations.length} boxes; at most ${MAX_BOXES_PER_IMAGE} per image`,
    );
  }
  const classMap = metadata['class-map'];
  if (!isJsonObject(classMap)) {
    check.add(
      'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT',
      `${attribute}-metadata.class-map: must be an object of class id → label name`,
    );
  } else {
    for (const [id, name] of Object.entries(classMap)) {
      const problem = labelNameProblem(name);
      if (!/^\d+$/.test(id))
        check.add(
          'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT',
          `${attribute}-metadata.class-map: key ${JSON.stringify(id)} is not a class id`,
        );
      if (problem) check.add('ERROR_INVALID_LABEL_NAME_LENGTH', `${attribute}-metadata.class-map["${id}"] ${problem}`);
    }
  }
  const objects = metadata.objects;
  if (!Array.isArray(objects) || objects.length !== annotations.length) {
    check.add(
      'ERROR_MISSING_BOUNDING_BOX_CONFIDENCE',
      `${attribute}-metadata.objects: must hold one {confidence} per box (${annotations.length})`,
    );
  }
  annotations.forEach((raw: unknown, i) => {
    const at = `${attribute}.annotations[${i}]`;
    if (!isJsonObject(raw)) {
      check.add('ERROR_INVALID_BOUNDING_BOX', `${at}: must be {class_id, left, top, width, height}`);
      return;
    }
    const { class_id: classId } = raw;
    if (!isInteger(classId) || classId < 0) {
      check.add('ERROR_INVALID_BOUNDING_BOX', `${at}.class_id: ${JSON.stringify(classId)} must be a whole number ≥ 0`);
    } else if (isJsonObject(classMap) && typeof classMap[String(classId)] !== 'string') {
      check.add(
        'ERROR_MISSING_CLASS_MAP_ID',
        `${at}.class_id ${String(classId)} is not in ${attribute}-metadata.class-map`,
      );
    } else if (isJsonObject(classMap)) {
      check.label(classMap[String(classId)] as string, 1, imageLabels);
    }
    const [left, top, w, h] = [raw.left, raw.top, raw.width, raw.height];
    if (!isNumber(left) || !isNumber(top) || !isNumber(w) || !isNumber(h)) {
      check.add('ERROR_INVALID_BOUNDING_BOX', `${at}: left, top, width and height must be numbers (pixels)`);
    } else if (w < 1 || h < 1) {
      check.add('ERROR_BOUNDING_BOX_TOO_SMALL', `${at}: ${w} × ${h} pixels; a box is at least 1 × 1`);
    } else if (
      width !== undefined &&
      height !== undefined &&
      (left < 0 || top < 0 || left + w > width || top + h > height)
    ) {
      check.add(
        'ERROR_INVALID_BOUNDING_BOX',
        `${at}: (left ${left}, top ${top}, width ${w}, height ${h}) is not inside the ${width} × ${height} image`,
      );
    }
    const confidence = Array.isArray(objects) && isJsonObject(objects[i]) ? objects[i].confidence : undefined;
    if (
      Array.isArray(objects) &&
      objects.length === annotations.length &&
      (!isNumber(confidence) || confidence < 0 || confidence > 1)
    ) {
      check.add(
        'ERROR_MISSING_BOUNDING_BOX_CONFIDENCE',
        `${attribute}-metadata.objects[${i}].confidence: ${JSON.stringify(confidence)} must be a number 0–1`,
      );
    }
  });
  report.stats.boxes += annotations.length;
  report.stats.maxBoxesPerImage = Math.max(report.stats.maxBoxesPerImage, annotations.length);
  if (annotations.length === 0) report.stats.imagesWithoutBoxes += 1;
}

function checkImageLevel(
  check: LineCheck,
  attribute: string,
  value: unknown,
  metadata: Record<string, unknown>,
  imageLabels: Set<string>,
): void {
  if (!isInteger(value) || value < 0) {
    check.add(
      'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT',
      `${attribute}: ${JSON.stringify(value)} must be a whole-number class index ≥ 0`,
    );
  }
  const name = metadata['class-name'];
  const problem = labelNameProblem(name);
  if (problem) check.add('ERROR_INVALID_LABEL_NAME_LENGTH', `${attribute}-metadata.class-name ${problem}`);
  else check.label(name as string, 0, imageLabels);
  const confidence = metadata.confidence;
  if (!isNumber(confidence) || confidence < 0 || confidence > 1) {
    check.add(
      'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT',
      `${attribute}-metadata.confidence: ${JSON.stringify(confidence)} must be a number 0–1`,
    );
  }
}

/** The bucket of the first image of each report: a manifest references images of one bucket only. */
const firstBucket = new WeakMap<ManifestReport, string>();

/** Check one parsed manifest line against every rule; counts it into `report`. Returns its problems. */
export function checkManifestLine(value: unknown, lineNumber: number, report: ManifestReport): ManifestProblem[] {
  const check = new LineCheck(lineNumber, report);
  report.stats.lines += 1;
  if (!isJsonObject(value)) {
    check.add('ERROR_INVALID_JSON_LINE', notAnObject(value));
    return check.problems;
  }
  const source = value['source-ref'];
  if (source === undefined) check.add('ERROR_MISSING_SOURCE_REF', 'no "source-ref" (the S3 URI of the image)');
  else if (typeof source !== 'string' || !S3_URI.test(source)) {
    check.add('ERROR_INVALID_SOURCE_REF_FORMAT', `source-ref ${JSON.stringify(source)} must be s3://bucket/key`);
  } else {
    report.stats.images += 1;
    // Terminal content error ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS: every source-ref names the same bucket.
    const bucket = source.slice('s3://'.length, source.indexOf('/', 's3://'.length));
    const first = firstBucket.get(report);
    if (first === undefined) firstBucket.set(report, bucket);
    else if (bucket !== first) {
      check.add(
        'ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS',
        `source-ref is in bucket ${bucket}, the manifest's first image in ${first}: a manifest references one bucket`,
      );
    }
  }

  const keys = Object.keys(value);
  const imageLabels = new Set<string>();
  let labeled = false;
  for (const key of keys) {
    if (key === 'source-ref' || key === 'source') continue;
    if (key.endsWith('-metadata')) {
      if (!(key.slice(0, -'-metadata'.length) in value)) {
        check.add(
          'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT',
          `"${key}" has no label attribute "${key.slice(0, -'-metadata'.length)}"`,
        );
      }
      continue;
    }
    const metadata = value[`${key}-metadata`];
    const attributeValue = value[key];
    if (metadata === undefined) {
      // Other keys pass through; a value shaped like a label without its metadata is a mistake worth naming.
      if (isJsonObject(attributeValue) && 'annotations' in attributeValue) {
        check.add('ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', `label attribute "${key}" has no "${key}-metadata"`);
      }
      continue;
    }
    labeled = true;
    report.stats.attributes[key] = (report.stats.attributes[key] ?? 0) + 1;
    if (!isJsonObject(metadata)) {
      check.add('ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', `"${key}-metadata" must be an object`);
      continue;
    }
    checkCommonMetadata(check, key, metadata, report);
    if (metadata.type === OBJECT_DETECTION) {
      if (isJsonObject(attributeValue)) checkObjectDetection(check, key, attributeValue, metadata, report, imageLabels);
      else
        check.add(
          'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT',
          `${key}: an object-detection label must be {image_size, annotations}`,
        );
    } else if (metadata.type === IMAGE_CLASSIFICATION) {
      checkImageLevel(check, key, attributeValue, metadata, imageLabels);
    } else {
      check.add(
        'ERROR_UNSUPPORTED_USE_CASE_TYPE',
        `${key}-metadata.type: ${JSON.stringify(metadata.type)} must be ${OBJECT_DETECTION} or ${IMAGE_CLASSIFICATION}`,
      );
    }
  }
  if (labeled) report.stats.labeledImages += 1;
  return check.problems;
}

/** Add a line's problems to the report (listing at most {@link MAX_LISTED_PROBLEMS}). */
function record(report: ManifestReport, problems: readonly ManifestProblem[]): void {
  if (problems.length === 0) return;
  report.invalidLines += 1;
  report.problemCount += problems.length;
  for (const problem of problems) if (report.problems.length < MAX_LISTED_PROBLEMS) report.problems.push(problem);
}

/**
 * Validate a Custom Labels manifest streamed as JSON-line batches (the shared text reader: BOM skipped, UTF-8 checked,
 * flat memory) and count what it holds.
 * @throws TextEncodingError for a UTF-16 source (the whole source is unreadable).
 */
export async function scanCustomLabelsManifest(batches: JsonLineBatches): Promise<ManifestReport> {
  const report = emptyReport();
  for await (const batch of batches) {
    for (const line of batch) {
      if (line.ok) record(report, checkManifestLine(line.value, line.lineNumber, report));
      else {
        report.stats.lines += 1;
        record(report, [
          { line: line.lineNumber, code: 'ERROR_INVALID_JSON_LINE', message: `not JSON: ${line.error}` },
        ]);
      }
    }
  }
  if (report.stats.lines === 0) {
    // A terminal manifest file error (it has no error code): "The manifest file is empty".
    report.problemCount += 1;
    report.problems.push({
      line: 0,
      code: 'MANIFEST_EMPTY',
      message: 'the manifest is empty: Custom Labels needs one JSON line per image',
    });
  }
  return report;
}
