import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  type DescribedJob,
  ManifestMismatchError,
  type ManifestOpener,
  ManifestUnreadableError,
  planStep,
  type PlanEvent,
} from '../../../../lambdas/labeling-chain/core/plan';
import { readJsonLineBatches } from '../../../../lambdas/shared/jsonl';
import { fixtureJson, fixtureText, textLines } from '../../../helpers/labeling-chain-fixtures';

const FIELD_CASES = join(__dirname, '..', '..', '..', 'fixtures', 'field-cases');
const fieldCaseText = (name: string) => readFileSync(join(FIELD_CASES, name), 'utf8');

const OUTPUT_URI = 's3://pets-labels/output/pets-2026-11/manifests/output/output.manifest';
const INPUT_URI = 's3://pets-data/manifests/input.manifest';
const SETTINGS = { maxChainLength: 3, region: 'us-east-1', partition: 'aws', builtInLambdaAccount: '432418664414' };

function opener(files: Record<string, string>): ManifestOpener & { opened: string[] } {
  const opened: string[] = [];
  const open = async (uri: string) => {
    opened.push(uri);
    return files[uri] === undefined ? undefined : textLines(files[uri]);
  };
  return Object.assign(open, { opened });
}

const parent = (patch: Partial<DescribedJob> = {}): DescribedJob => ({
  ...fixtureJson<DescribedJob>('describe-parent.json'),
  ...patch,
});
const event = (request: Record<string, unknown>, job: unknown = parent(), chain?: unknown): PlanEvent => ({
  request,
  settings: SETTINGS,
  job,
  chain,
});
/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<Error & { details: string[] }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { details: string[] };
  }
  throw new Error('expected a rejection');
}

const files = { [OUTPUT_URI]: fixtureText('image-classification.output.manifest') };

describe('planStep', () => {
  it('continues a stopped job: records the parent and builds the complete CreateLabelingJob request', async () => {
    const result = await planStep(event({ jobName: 'pets-2026-11' }), opener(files));
    expect(result.decision).toBe('create');
    const name = result.next!.request.LabelingJobName;
    expect(name).toMatch(/^pets-2026-11-chain-1-[0-9a-f]{6}$/);
    expect(result.next).toEqual({
      autoLabeling: false,
      request: {
        LabelingJobName: name,
        LabelAttributeName: 'animal',
        InputConfig: {
          DataSource: { S3DataSource: { ManifestS3Uri: OUTPUT_URI } },
          DataAttributes: { ContentClassifiers: ['FreeOfPersonallyIdentifiableInformation'] },
        },
        OutputConfig: { S3OutputPath: 's3://pets-labels/output/' },
        RoleArn: 'arn:aws:iam::123456789012:role/GroundTruthExecution',
        LabelCategoryConfigS3Uri: 's3://pets-data/config/categories.json',
        StoppingConditions: { MaxPercentageOfInputDatasetLabeled: 100 },
        HumanTaskConfig: parent().HumanTaskConfig,
        Tags: [
          { Key: 'team', Value: 'pets' },
          { Key: 'ml-workflows:chain-root', Value: 'pets-2026-11' },
          { Key: 'ml-workflows:chain-parent', Value: 'pets-2026-11' },
          { Key: 'ml-workflows:chain-index', Value: '1' },
        ],
      },
    });
    expect(result.chain).toMatchObject({ rootJobName: 'pets-2026-11', labelAttributeName: 'animal', created: 1 });
    expect(result.chain.jobs[0]).toMatchObject({
      jobName: 'pets-2026-11',
      role: 'parent',
      status: 'Stopped',
      outputManifestUri: OUTPUT_URI,
      counts: { total: 10, labeled: 5, humanLabeled: 4, machineLabeled: 1, failed: 3, unlabeled: 2, needsLabeling: 5 },
      autoLabeling: false,
    });
    expect(result.chain.jobs[1]).toEqual({
      jobName: name,
      role: 'child',
      index: 1,
      status: 'Created',
      labelAttributeName: 'animal',
      inputManifestUri: OUTPUT_URI,
      sentToWorkers: 5,
      skipped: 5,
      autoLabeling: false,
    });
    expect(result.stats.linesScanned).toBe(10);
  });

  it('applies overrides and reuses the auto-labeling model of the parent', async () => {
    const big = Array.from({ length: 1300 }, (_, i) =>
      JSON.stringify({ 'source-ref': `s3://b/${i}`, ...(i < 1000 ? { animal: 0 } : {}) }),
    ).join('\n');
    const job = parent({
      LabelingJobAlgorithmsConfig: {
        LabelingJobAlgorithmSpecificationArn:
          'arn:aws:sagemaker:us-east-1:027400017018:labeling-job-algorithm-specification/image-classification',
        LabelingJobResourceConfig: { VolumeKmsKeyId: 'k' },
      },
      LabelingJobOutput: {
        OutputDatasetS3Uri: OUTPUT_URI,
        FinalActiveLearningModelArn: 'arn:aws:sagemaker:us-east-1:123456789012:model/pets-final',
      },
      StoppingConditions: { MaxHumanLabeledObjectCount: 500 },
    });
    const result = await planStep(
      event(
        {
          jobName: 'pets-2026-11',
          overrides: {
            workteamArn: 'arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/night-shift',
            maxConcurrentTaskCount: 500,
            taskAvailabilityLifetimeInSeconds: 172800,
            outputPath: 's3://pets-labels/chained/',
            tags: { project: 'p1' },
          },
        },
        job,
      ),
      opener({ [OUTPUT_URI]: big }),
    );
    expect(result.next?.autoLabeling).toBe(true);
    expect(result.next?.request).toMatchObject({
      OutputConfig: { S3OutputPath: 's3://pets-labels/chained/' },
      StoppingConditions: { MaxHumanLabeledObjectCount: 500, MaxPercentageOfInputDatasetLabeled: 100 },
      HumanTaskConfig: {
        WorkteamArn: 'arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/night-shift',
        MaxConcurrentTaskCount: 500,
        TaskAvailabilityLifetimeInSeconds: 172800,
      },
      LabelingJobAlgorithmsConfig: {
        LabelingJobAlgorithmSpecificationArn:
          'arn:aws:sagemaker:us-east-1:027400017018:labeling-job-algorithm-specification/image-classification',
        InitialActiveLearningModelArn: 'arn:aws:sagemaker:us-east-1:123456789012:model/pets-final',
        LabelingJobResourceConfig: { VolumeKmsKeyId: 'k' },
      },
    });
    expect(result.next?.request.Tags).toContainEqual({ Key: 'project', Value: 'p1' });
    expect(result.chain.jobs[1]).toMatchObject({
      sentToWorkers: 300,
      skipped: 1000,
      initialActiveLearningModelArn: 'arn:aws:sagemaker:us-east-1:123456789012:model/pets-final',
    });
  });

  it('relabels: a new attribute over every object, counting the parent on its own attribute, without the old model', async () => {
    const result = await planStep(
      event({ jobName: 'pets-2026-11', mode: 'relabel', labelAttributeName: 'animal-v3' }),
      opener(files),
    );
    expect(result.next?.request.LabelAttributeName).toBe('animal-v3');
    expect(result.chain.jobs[0]?.counts).toMatchObject({ labeled: 5, needsLabeling: 5 });
    expect(result.chain.jobs[1]).toMatchObject({ labelAttributeName: 'animal-v3', sentToWorkers: 10, skipped: 0 });
  });

  it('stops when nothing needs labeling', async () => {
    const labeled = '{"source-ref":"s3://b/1","animal":0}\n{"source-ref":"s3://b/2","animal":1}\n';
    const result = await planStep(
      event(
        { jobName: 'pets-2026-11' },
        parent({
          LabelingJobStatus: 'Completed',
          LabelCounters: { TotalLabeled: 2, HumanLabeled: 2, FailedNonRetryableError: 0, Unlabeled: 0 },
        }),
      ),
      opener({ [OUTPUT_URI]: labeled }),
    );
    expect(result.decision).toBe('stop');
    expect(result.summary).toMatchObject({
      outcome: 'nothing-to-label',
      jobsCreated: 0,
      remaining: 0,
      finalOutputManifestUri: OUTPUT_URI,
    });
  });

  it('falls back to the input manifest when a failed job wrote no output', async () => {
    const open = opener({ [INPUT_URI]: fixtureText('image-classification.output.manifest') });
    const result = await planStep(
      event({ jobName: 'pets-2026-11' }, parent({ LabelingJobStatus: 'Failed', FailureReason: 'boom' })),
      open,
    );
    expect(open.opened).toEqual([OUTPUT_URI, INPUT_URI]);
    expect(result.chain.jobs[0]).toMatchObject({ outputManifestUri: INPUT_URI, jobFailureReason: 'boom' });
  });

  it('stops without progress: a child that ended labeling nothing is not retried', async () => {
    const first = await planStep(event({ jobName: 'pets-2026-11' }), opener(files));
    const childName = first.next!.request.LabelingJobName;
    const childOutput = `s3://pets-labels/output/${childName}/manifests/output/output.manifest`;
    const child = parent({
      LabelingJobName: childName,
      LabelingJobArn: `arn:aws:sagemaker:us-east-1:123456789012:labeling-job/${childName}`,
      LabelingJobStatus: 'Failed',
      FailureReason: 'Workteam has no workers',
      LabelingJobOutput: { OutputDatasetS3Uri: childOutput },
    });
    const second = await planStep(
      { ...first, job: child },
      opener({ [childOutput]: fixtureText('image-classification.output.manifest') }),
    );
    expect(second.decision).toBe('stop');
    expect(second.summary).toMatchObject({ outcome: 'no-progress', jobsCreated: 1, remaining: 5 });
    expect(second.summary?.message).toContain('Workteam has no workers');
    expect(second.summary?.jobs[1]).toMatchObject({
      status: 'Failed',
      jobFailureReason: 'Workteam has no workers',
      counts: { labeled: 5 },
    });
  });

  it('auto-continue chains only opted-in jobs that no chain owns', async () => {
    const auto = { jobName: 'pets-2026-11', trigger: 'auto-continue' };
    const notTagged = await planStep(event(auto), opener(files));
    expect(notTagged.summary).toMatchObject({ outcome: 'not-opted-in', jobsCreated: 0 });
    const owned = await planStep(
      event(
        auto,
        parent({
          Tags: [
            { Key: 'ml-workflows:auto-chain', Value: 'true' },
            { Key: 'ml-workflows:chain-root', Value: 'pets' },
          ],
        }),
      ),
      opener(files),
    );
    expect(owned.summary?.outcome).toBe('owned-by-chain');
    const optedIn = await planStep(
      event(auto, parent({ Tags: [{ Key: 'ml-workflows:auto-chain', Value: 'true' }] })),
      opener(files),
    );
    expect(optedIn.decision).toBe('create');
    expect(optedIn.next?.request.Tags).toContainEqual({ Key: 'ml-workflows:auto-chain', Value: 'true' });
  });

  it('throws when the parent is still running', async () => {
    await expect(
      planStep(event({ jobName: 'pets-2026-11' }, parent({ LabelingJobStatus: 'InProgress' })), opener(files)),
    ).rejects.toThrow(
      'Labeling job pets-2026-11 is InProgress: chain a job after it has ended (stop it, or wait for it)',
    );
  });

  it('throws when continue names another attribute, or relabel reuses the parent attribute', async () => {
    await expect(
      planStep(event({ jobName: 'pets-2026-11', labelAttributeName: 'other' }), opener(files)),
    ).rejects.toThrow(/use mode "relabel"/);
    await expect(
      planStep(event({ jobName: 'pets-2026-11', mode: 'relabel', labelAttributeName: 'animal' }), opener(files)),
    ).rejects.toThrow('mode "relabel" needs a new label attribute name, not the parent\'s "animal"');
  });

  it("throws when the parent used the public workforce, another Region's built-ins, or mismatched task Lambdas", async () => {
    const human = parent().HumanTaskConfig;
    const job = parent({
      HumanTaskConfig: {
        ...human,
        WorkteamArn: 'arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default',
        PreHumanTaskLambdaArn: 'arn:aws:lambda:eu-west-1:568282634449:function:PRE-ImageMultiClass',
        AnnotationConsolidationConfig: {
          AnnotationConsolidationLambdaArn: 'arn:aws:lambda:us-east-1:432418664414:function:ACS-BoundingBox',
        },
      },
    });
    const error = await rejection(planStep(event({ jobName: 'pets-2026-11' }, job), opener(files)));
    expect(error.name).toBe('ValidationError');
    expect(error.details).toEqual([
      'the parent used the public workforce (Amazon Mechanical Turk), which closed on 2026-09-30: give overrides.workteamArn with a private workteam',
      "PreHumanTaskLambdaArn arn:aws:lambda:eu-west-1:568282634449:function:PRE-ImageMultiClass is not this Region's built-in PRE-ImageMultiClass Lambda (arn:aws:lambda:us-east-1:432418664414:function:PRE-ImageMultiClass)",
      'PreHumanTaskLambdaArn (PRE-ImageMultiClass) and AnnotationConsolidationLambdaArn (ACS-BoundingBox) are for different task types',
    ]);
  });

  it('throws when auto-labeling has too few objects or no algorithm, or a task limit is broken', async () => {
    const error = await rejection(
      planStep(
        event({ jobName: 'pets-2026-11', autoLabeling: true, overrides: { taskTimeLimitInSeconds: 30_000 } }),
        opener(files),
      ),
    );
    expect(error.details).toEqual([
      'TaskTimeLimitInSeconds 30000 exceeds 28800 for task type ImageMultiClass',
      'autoLabeling needs a labeling job algorithm: the parent did not use automated data labeling, so give overrides.algorithmSpecificationArn',
      'automated data labeling needs at least 1250 objects; the manifest has 10 (set autoLabeling to false)',
    ]);
  });

  it('throws with line numbers when the manifest has lines that are not JSON', async () => {
    await expect(
      planStep(event({ jobName: 'pets-2026-11' }), opener({ [OUTPUT_URI]: '{"a":1}\n{broken\n' })),
    ).rejects.toThrow(/has 1 line\(s\) that are not JSON objects \(line 2: .+\)/);
  });

  it('throws when no manifest exists and for streaming jobs', async () => {
    await expect(planStep(event({ jobName: 'pets-2026-11' }), opener({}))).rejects.toThrow(
      `No manifest found for labeling job pets-2026-11 (looked at ${OUTPUT_URI}, ${INPUT_URI})`,
    );
    const streaming = parent({
      InputConfig: { DataSource: { SnsDataSource: { SnsTopicArn: 'arn:aws:sns:us-east-1:1:t' } } },
      LabelingJobOutput: undefined,
    });
    await expect(planStep(event({ jobName: 'pets-2026-11' }, streaming), opener({}))).rejects.toThrow(/streaming job/);
  });

  it('starts from an imported manifest when overrides.inputManifestUri is given', async () => {
    const imported = 's3://pets-data/imports/with-vendor-labels.manifest';
    const result = await planStep(
      event({ jobName: 'pets-2026-11', overrides: { inputManifestUri: imported } }),
      opener({ [imported]: '{"source-ref":"s3://b/1","animal":0}\n{"source-ref":"s3://b/2"}\n' }),
    );
    expect(result.next?.request.InputConfig).toMatchObject({
      DataSource: { S3DataSource: { ManifestS3Uri: imported } },
    });
    expect(result.chain.jobs[1]).toMatchObject({ sentToWorkers: 1, skipped: 1 });
  });

  it('keeps the ten most frequent failure reasons per job in the chain state', async () => {
    const lines = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({ 'source-ref': `s3://b/${i}`, 'animal-metadata': { 'failure-reason': `reason ${i % 15}` } }),
    );
    lines.push(JSON.stringify({ 'source-ref': 's3://b/x', 'animal-metadata': { 'failure-reason': 'reason 0' } }));
    const result = await planStep(event({ jobName: 'pets-2026-11' }), opener({ [OUTPUT_URI]: lines.join('\n') }));
    const reasons = result.chain.jobs[0]!.failureReasons!;
    expect(Object.keys(reasons)).toHaveLength(11);
    expect(reasons['reason 0']).toBe(3);
    expect(reasons['(other reasons)']).toBe(10);
    expect(Object.values(reasons).reduce((a, b) => a + b, 0)).toBe(31);
  });

  describe('field cases and the task-type table', () => {
    const VIDEO_OUTPUT = 's3://example-bucket/output/cars-video-od/manifests/output/output.manifest';
    const video = (patch: Partial<DescribedJob> = {}): DescribedJob => ({
      ...fixtureJson<DescribedJob>('describe-video-object-detection.json'),
      ...patch,
    });
    const videoManifest = fieldCaseText('gt-video-object-detection-ref.output.manifest');

    it('continues a video frame object detection job with its -ref attribute: a child for the failed and unlabeled objects', async () => {
      const result = await planStep(
        event({ jobName: 'cars-video-od' }, video()),
        opener({ [VIDEO_OUTPUT]: videoManifest }),
      );
      expect(result.decision).toBe('create');
      expect(result.next?.request).toMatchObject({
        LabelAttributeName: 'CarObjectDetection-ref',
        InputConfig: { DataSource: { S3DataSource: { ManifestS3Uri: VIDEO_OUTPUT } } },
        HumanTaskConfig: { TaskTimeLimitInSeconds: 259200 },
      });
      expect(result.chain.jobs[0]?.counts).toMatchObject({ total: 3, labeled: 1, failed: 1, unlabeled: 1 });
      expect(result.chain.jobs[1]).toMatchObject({ sentToWorkers: 2, skipped: 1 });
    });

    it('relabels a video job only with a new -ref attribute, and refuses auto-labeling (no built-in algorithm)', async () => {
      const wrong = await rejection(
        planStep(
          event({ jobName: 'cars-video-od', mode: 'relabel', labelAttributeName: 'cars-v2' }, video()),
          opener({ [VIDEO_OUTPUT]: videoManifest }),
        ),
      );
      expect(wrong.details).toEqual([
        'label attribute name "cars-v2" must end with "-ref": Video frame object detection (VideoObjectDetection) stores each label in a file the attribute refers to',
      ]);
      const auto = await rejection(
        planStep(
          event({ jobName: 'cars-video-od', autoLabeling: true }, video()),
          opener({ [VIDEO_OUTPUT]: videoManifest }),
        ),
      );
      expect(auto.details[0]).toBe(
        'Video frame object detection (VideoObjectDetection) has no automated data labeling (only ImageMultiClass, BoundingBox, SemanticSegmentation, TextMultiClass): set autoLabeling to false',
      );
    });

    it('refuses an empty output manifest whose job counts objects, naming both counts (never "all 0 objects are labeled")', async () => {
      const job = parent({
        LabelCounters: {
          TotalLabeled: 4,
          HumanLabeled: 4,
          MachineLabeled: 0,
          FailedNonRetryableError: 3,
          Unlabeled: 3,
        },
      });
      const empty = fieldCaseText('labeling-chain-empty-output.manifest');
      expect(empty).toBe('');
      const error = await rejection(planStep(event({ jobName: 'pets-2026-11' }, job), opener({ [OUTPUT_URI]: empty })));
      expect(error.name).toBe('ManifestMismatchError');
      expect(error).toBeInstanceOf(ManifestMismatchError);
      expect(error.message).toBe(
        `Manifest ${OUTPUT_URI} holds no objects while DescribeLabelingJob counts 10 object(s) for pets-2026-11 (4 labeled, 3 failed, 3 unlabeled): nothing can be planned from it. Check the job's output, or start the chain from a complete manifest (overrides.inputManifestUri)`,
      );
    });

    it('refuses a manifest with fewer objects than the job counted, and an empty one even without counters', async () => {
      const short = await rejection(
        planStep(event({ jobName: 'pets-2026-11' }), opener({ [OUTPUT_URI]: '{"source-ref":"s3://b/1"}\n' })),
      );
      expect(short.message).toMatch(/holds 1 object\(s\) but DescribeLabelingJob counts 10 for pets-2026-11/);
      const bare = await rejection(
        planStep(
          event({ jobName: 'pets-2026-11' }, parent({ LabelCounters: undefined })),
          opener({ [OUTPUT_URI]: '\n' }),
        ),
      );
      expect(bare.message).toMatch(/^Manifest .+ holds no objects: nothing can be planned from it/);
      // A manifest the request chose may hold other objects than the job counted.
      const imported = 's3://pets-data/imports/subset.manifest';
      const subset = await planStep(
        event({ jobName: 'pets-2026-11', overrides: { inputManifestUri: imported } }),
        opener({ [imported]: '{"source-ref":"s3://b/1"}\n' }),
      );
      expect(subset.decision).toBe('create');
    });

    it('plans from the BOM field case exactly as from the same manifest without its BOM', async () => {
      const bytes = readFileSync(join(FIELD_CASES, 'labeling-chain-bom-output.manifest'));
      const open =
        (body: Buffer): ManifestOpener =>
        async () =>
          readJsonLineBatches(Readable.from([body]));
      const job = parent({ LabelCounters: undefined });
      const withBom = await planStep(event({ jobName: 'pets-2026-11' }, job), open(bytes));
      const without = await planStep(event({ jobName: 'pets-2026-11' }, job), open(bytes.subarray(3)));
      expect(withBom).toEqual(without);
      expect(withBom.decision).toBe('create');
    });

    it('accepts the 30-day task time limit of video frame jobs and keeps 8 hours for image jobs', async () => {
      const month = 2_592_000;
      const ok = await planStep(
        event({ jobName: 'cars-video-od', overrides: { taskTimeLimitInSeconds: month } }, video()),
        opener({ [VIDEO_OUTPUT]: videoManifest }),
      );
      expect(ok.next?.request.HumanTaskConfig.TaskTimeLimitInSeconds).toBe(month);
      const image = await rejection(
        planStep(event({ jobName: 'pets-2026-11', overrides: { taskTimeLimitInSeconds: month } }), opener(files)),
      );
      expect(image.details).toContain('TaskTimeLimitInSeconds 2592000 exceeds 28800 for task type ImageMultiClass');
    });

    it('reports unreadable lines as ManifestUnreadableError', async () => {
      const error = await rejection(
        planStep(event({ jobName: 'pets-2026-11' }), opener({ [OUTPUT_URI]: '{"a":1}\n[1]\n' })),
      );
      expect(error).toBeInstanceOf(ManifestUnreadableError);
      expect(error.message).toMatch(/line 2: not a JSON object \(an array\)/);
    });
  });
});
