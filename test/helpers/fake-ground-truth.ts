import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { labelState } from '../../lambdas/labeling-chain/core/manifest';

/** How a created job ends: its final status and how many of the objects needing a label it labels. */
export interface JobScript {
  readonly status: 'Completed' | 'Stopped' | 'Failed';
  readonly labels: number;
  /** `DescribeLabelingJob` answers InProgress this many times first. @default 1 */
  readonly polls?: number;
  readonly failureReason?: string;
}

/** An error as Step Functions names SDK integration errors (`SageMaker.<Name>Exception`). */
export function serviceError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * A small stand-in for SageMaker Ground Truth and S3: described jobs, created jobs that run through a script and
 * write their output manifest (labeling the first N objects that need a label), and an S3 mock that serves manifests.
 */
export class FakeGroundTruth {
  public readonly objects = new Map<string, string>();
  public readonly jobs = new Map<string, Record<string, unknown>>();
  public readonly created: Record<string, unknown>[] = [];
  public readonly calls: string[] = [];
  private readonly pending = new Map<string, { script: JobScript; polls: number }>();
  private readonly s3 = mockClient(S3Client);

  constructor(private readonly scripts: JobScript[] = []) {
    this.s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
      const uri = `s3://${input.Bucket}/${input.Key}`;
      const text = this.objects.get(uri);
      if (text === undefined)
        throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
      return { Body: Readable.from([Buffer.from(text)]), ContentLength: Buffer.byteLength(text) };
    });
  }

  /** Stop intercepting S3. */
  restore(): void {
    this.s3.restore();
  }

  /** `sagemaker:describeLabelingJob`. */
  describe = async (input: unknown): Promise<Record<string, unknown>> => {
    const name = (input as { LabelingJobName: string }).LabelingJobName;
    this.calls.push(`describe ${name}`);
    const job = this.jobs.get(name);
    if (!job) throw serviceError('SageMaker.ResourceNotFoundException', `Could not find labeling job: ${name}`);
    const pending = this.pending.get(name);
    if (pending) {
      if (pending.polls > 0) {
        pending.polls -= 1;
        return { ...job, LabelingJobStatus: 'InProgress' };
      }
      this.finish(name, pending.script);
      this.pending.delete(name);
    }
    return structuredClone(this.jobs.get(name)!);
  };

  /** `sagemaker:createLabelingJob`: the job starts and follows the next script. */
  create = async (input: unknown): Promise<Record<string, unknown>> => {
    const request = input as Record<string, unknown> & { LabelingJobName: string };
    this.calls.push(`create ${request.LabelingJobName}`);
    if (this.jobs.has(request.LabelingJobName))
      throw serviceError('SageMaker.ResourceInUseException', `Job ${request.LabelingJobName} already exists`);
    const script = this.scripts[this.created.length];
    if (!script) throw new Error(`No script for created job ${this.created.length + 1}`);
    this.created.push(structuredClone(request));
    const arn = `arn:aws:sagemaker:us-east-1:123456789012:labeling-job/${request.LabelingJobName}`;
    const { LabelingJobAlgorithmsConfig, ...rest } = request;
    this.jobs.set(request.LabelingJobName, {
      ...structuredClone(rest),
      ...(LabelingJobAlgorithmsConfig
        ? { LabelingJobAlgorithmsConfig: structuredClone(LabelingJobAlgorithmsConfig) }
        : {}),
      LabelingJobArn: arn,
      LabelingJobStatus: 'InProgress',
    });
    this.pending.set(request.LabelingJobName, { script, polls: script.polls ?? 1 });
    return { LabelingJobArn: arn };
  };

  /** The job ends: write its output manifest with `labels` more objects labeled by people. */
  private finish(name: string, script: JobScript): void {
    const job = this.jobs.get(name)!;
    const attribute = job.LabelAttributeName as string;
    const input = (job.InputConfig as { DataSource: { S3DataSource: { ManifestS3Uri: string } } }).DataSource
      .S3DataSource.ManifestS3Uri;
    let remaining = script.labels;
    const lines = (this.objects.get(input) ?? '')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((text) => {
        const line = JSON.parse(text) as Record<string, unknown>;
        if (remaining > 0 && labelState(line, attribute).kind !== 'labeled') {
          remaining -= 1;
          return JSON.stringify({
            ...line,
            [attribute]: 1,
            [`${attribute}-metadata`]: {
              'class-name': 'dog',
              confidence: 0.9,
              'human-annotated': 'yes',
              'job-name': `labeling-job/${name}`,
              'creation-date': '2026-11-20T10:00:00',
              type: 'groundtruth/image-classification',
            },
          });
        }
        return text;
      });
    const outputPath = (job.OutputConfig as { S3OutputPath: string }).S3OutputPath.replace(/\/?$/, '/');
    const output = `${outputPath}${name}/manifests/output/output.manifest`;
    this.objects.set(output, `${lines.join('\n')}\n`);
    Object.assign(job, {
      LabelingJobStatus: script.status,
      LabelingJobOutput: { OutputDatasetS3Uri: output },
      ...(script.failureReason ? { FailureReason: script.failureReason } : {}),
    });
  }
}
