import { ValidationError } from '../../shared/errors';
import { ManifestUnreadableError } from './errors';
import { describeInvalidLines, type ManifestScan, scanManifest } from './manifest';
import type { DescribedJob, ManifestOpener } from './plan-model';
import type { ChainRequest } from './request';

/** The manifest a plan counted, and where it came from. */
export interface ScannedManifest {
  readonly uri: string;
  /** `output` (the job's output manifest), `input` (its input: it wrote no output) or `override` (the request's). */
  readonly origin: 'output' | 'input' | 'override';
  readonly scan: ManifestScan;
}

/**
 * Step 3 of a plan: find the manifest that holds the job's result (the request's `inputManifestUri` on the first
 * step; else the job's output manifest, or its input when it wrote none) and count the attributes in one pass.
 * @throws ValidationError when no manifest exists or the job is a streaming job; ManifestUnreadableError when lines
 *   are not UTF-8 JSON objects (nothing is planned from them: `mlw manifest stats` lists them).
 */
export async function scanJobManifest(
  job: DescribedJob,
  request: ChainRequest,
  first: boolean,
  attributes: readonly string[],
  openManifest: ManifestOpener,
): Promise<ScannedManifest> {
  const candidates: { uri: string; origin: ScannedManifest['origin'] }[] = [];
  if (first && request.overrides.inputManifestUri)
    candidates.push({ uri: request.overrides.inputManifestUri, origin: 'override' });
  else {
    if (job.LabelingJobOutput?.OutputDatasetS3Uri)
      candidates.push({ uri: job.LabelingJobOutput.OutputDatasetS3Uri, origin: 'output' });
    const input = job.InputConfig.DataSource.S3DataSource?.ManifestS3Uri;
    if (input) candidates.push({ uri: input, origin: 'input' });
    else if (job.InputConfig.DataSource.SnsDataSource !== undefined) {
      throw new ValidationError(
        `Labeling job ${job.LabelingJobName} is a streaming job (SNS input): streaming jobs are not chained`,
      );
    }
  }
  for (const candidate of candidates) {
    const lines = await openManifest(candidate.uri);
    if (!lines) continue;
    const scan = await scanManifest(lines, attributes);
    if (scan.invalidCount > 0) {
      throw new ManifestUnreadableError(
        `Manifest ${candidate.uri} has ${scan.invalidCount} line(s) that are not JSON objects (${describeInvalidLines(scan)}); fix them (mlw manifest stats) before chaining`,
      );
    }
    return { ...candidate, scan };
  }
  throw new ValidationError(
    `No manifest found for labeling job ${job.LabelingJobName} (looked at ${candidates.map((c) => c.uri).join(', ') || 'nothing'})`,
  );
}
