import { BUILT_IN_TASK_LAMBDA_ACCOUNTS, PLAN_STATE_NAME } from '../../../../lambdas/labeling-chain/contract';
import type { ChainSummary } from '../../../../lambdas/labeling-chain/core/plan';
import { realApp, stackOf, templateOf } from '../../../helpers/app';
import { ExecutionFailed, RENDER_REGION, runStateMachine, synthesizedDefinition } from '../../../helpers/state-machine';
import { FakeGroundTruth, type JobScript, serviceError } from '../../../helpers/fake-ground-truth';
import { fixtureJson, fixtureText } from '../../../helpers/labeling-chain-fixtures';

const PARENT = 'pets-2026-11';
const OUTPUT_URI = 's3://pets-labels/output/pets-2026-11/manifests/output/output.manifest';

const stack = stackOf(realApp(), 'Mlw-LabelingChain');
const definition = synthesizedDefinition(stack, 'Chain');
// The execution timeout (31 days per job) overflows the 32-bit setTimeout aws-local-stepfunctions uses for it, which
// would then fire after 1 ms; the template test checks the real value.
const timeoutSeconds = definition.TimeoutSeconds;
delete definition.TimeoutSeconds;
const mappings = (templateOf(stack).toJSON() as { Mappings: Record<string, Record<string, { account: string }>> })
  .Mappings;
const [mappingId] = Object.keys(mappings);

describe('the synthesized labeling-chain state machine (aws-local-stepfunctions)', () => {
  let world: FakeGroundTruth;
  let plannerInputs: Record<string, unknown>[];

  afterEach(() => (world as FakeGroundTruth | undefined)?.restore());

  function setUp(
    scripts: JobScript[],
    parent: Partial<Record<string, unknown>> = {},
    manifest = fixtureText('image-classification.output.manifest'),
  ) {
    world = new FakeGroundTruth(scripts);
    world.jobs.set(PARENT, { ...fixtureJson('describe-parent.json'), ...parent });
    world.objects.set(OUTPUT_URI, manifest);
    plannerInputs = [];
  }

  async function run(input: unknown, extra: Record<string, (input: never) => Promise<unknown>> = {}): Promise<unknown> {
    const { handler } = await import('../../../../lambdas/labeling-chain/plan-next-job');
    const handlers: Record<string, (input: never) => Promise<unknown>> = {
      DescribeParentJob: world.describe,
      DescribeChildJob: world.describe,
      CreateLabelingJob: world.create,
      CreateLabelingJobWithAutoLabeling: world.create,
      [PLAN_STATE_NAME]: async (event: Record<string, unknown>) => {
        plannerInputs.push(event);
        // The deploy-time Fn::FindInMap renders as "<mapping>.account" (the first step gets it from the Start
        // state; later steps get the settings the planner returned): answer it from the template's mapping.
        const settings = event.settings as Record<string, unknown>;
        const account = mappings[mappingId!]![RENDER_REGION]!.account;
        const firstStep = (event.chain as { jobs: unknown[] }).jobs.length === 0;
        expect(settings.builtInLambdaAccount).toBe(firstStep ? `${mappingId}.account` : account);
        return handler({ ...event, settings: { ...settings, builtInLambdaAccount: account } });
      },
      ...extra,
    };
    return runStateMachine(definition, input, { taskResourceLocalHandlers: handlers as never });
  }

  async function failure(input: unknown): Promise<{ name: string; message: string }> {
    const error = await run(input).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ExecutionFailed);
    const failed = error as ExecutionFailed;
    return { name: failed.error, message: failed.cause };
  }

  it('has an execution timeout of 31 days per job plus one', () => {
    expect(timeoutSeconds).toBe((31 * 3 + 1) * 86_400);
  });

  it('resolves the built-in Lambda account by Region at deploy time', () => {
    expect(mappings[mappingId!]).toEqual(
      Object.fromEntries(Object.entries(BUILT_IN_TASK_LAMBDA_ACCOUNTS).map(([r, account]) => [r, { account }])),
    );
  });

  it('continue: creates one job for the 5 objects still needing a label and finishes with a summary', async () => {
    setUp([{ status: 'Completed', labels: 5, polls: 2 }]);
    const summary = (await run({ jobName: PARENT })) as ChainSummary;
    expect(world.created).toHaveLength(1);
    const created = world.created[0]!;
    expect(Object.keys(created).sort()).toEqual(
      [
        'HumanTaskConfig',
        'InputConfig',
        'LabelAttributeName',
        'LabelCategoryConfigS3Uri',
        'LabelingJobName',
        'OutputConfig',
        'RoleArn',
        'StoppingConditions',
        'Tags',
      ].sort(),
    );
    expect(created).toMatchObject({
      LabelAttributeName: 'animal',
      InputConfig: { DataSource: { S3DataSource: { ManifestS3Uri: OUTPUT_URI } } },
    });
    const child = created.LabelingJobName as string;
    // Describe → Wait → Describe (InProgress twice) → ended.
    expect(world.calls).toEqual([
      `describe ${PARENT}`,
      `create ${child}`,
      `describe ${child}`,
      `describe ${child}`,
      `describe ${child}`,
    ]);
    expect(summary).toMatchObject({
      outcome: 'complete',
      rootJobName: PARENT,
      mode: 'continue',
      labelAttributeName: 'animal',
      jobsCreated: 1,
      remaining: 0,
      finalOutputManifestUri: `s3://pets-labels/output/${child}/manifests/output/output.manifest`,
    });
    expect(summary.jobs).toHaveLength(2);
    expect(summary.jobs[0]).toMatchObject({
      jobName: PARENT,
      role: 'parent',
      status: 'Stopped',
      counts: { labeled: 5, needsLabeling: 5 },
    });
    expect(summary.jobs[1]).toMatchObject({
      jobName: child,
      role: 'child',
      status: 'Completed',
      sentToWorkers: 5,
      skipped: 5,
      counts: { total: 10, labeled: 10, humanLabeled: 9, machineLabeled: 1, needsLabeling: 0 },
    });
  });

  it('relabel: a new attribute over all 10 objects', async () => {
    setUp([{ status: 'Completed', labels: 10 }]);
    const summary = (await run({ jobName: PARENT, mode: 'relabel', labelAttributeName: 'animal-v3' })) as ChainSummary;
    expect(world.created[0]).toMatchObject({ LabelAttributeName: 'animal-v3' });
    expect(summary).toMatchObject({ outcome: 'complete', labelAttributeName: 'animal-v3', jobsCreated: 1 });
    expect(summary.jobs[1]).toMatchObject({ sentToWorkers: 10, skipped: 0, counts: { labeled: 10 } });
  });

  it('nothing to label: stops with a summary and creates nothing', async () => {
    setUp(
      [],
      // The job's own counters agree with its two-line manifest (the planner reconciles them).
      { LabelingJobStatus: 'Completed', LabelCounters: { TotalLabeled: 2, FailedNonRetryableError: 0, Unlabeled: 0 } },
      '{"source-ref":"s3://b/1","animal":0}\n{"source-ref":"s3://b/2","animal":1}\n',
    );
    const summary = (await run({ jobName: PARENT })) as ChainSummary;
    expect(world.created).toEqual([]);
    expect(summary).toMatchObject({ outcome: 'nothing-to-label', jobsCreated: 0, remaining: 0 });
  });

  it('stopped twice then completed: chains until everything is labeled', async () => {
    setUp([
      { status: 'Stopped', labels: 2 },
      { status: 'Stopped', labels: 1 },
      { status: 'Completed', labels: 2 },
    ]);
    const summary = (await run({ jobName: PARENT })) as ChainSummary;
    expect(summary).toMatchObject({ outcome: 'complete', jobsCreated: 3, remaining: 0 });
    expect(summary.jobs.map((j) => [j.status, j.sentToWorkers, j.skipped, j.counts?.needsLabeling])).toEqual([
      ['Stopped', undefined, undefined, 5],
      ['Stopped', 5, 5, 3],
      ['Stopped', 3, 7, 2],
      ['Completed', 2, 8, 0],
    ]);
    // Each child reads the previous job's output manifest.
    expect(
      world.created.map(
        (c) =>
          (c.InputConfig as { DataSource: { S3DataSource: { ManifestS3Uri: string } } }).DataSource.S3DataSource
            .ManifestS3Uri,
      ),
    ).toEqual([
      OUTPUT_URI,
      `s3://pets-labels/output/${world.created[0]!.LabelingJobName as string}/manifests/output/output.manifest`,
      `s3://pets-labels/output/${world.created[1]!.LabelingJobName as string}/manifests/output/output.manifest`,
    ]);
    world.created.forEach((c, i) =>
      expect(c.Tags).toContainEqual({ Key: 'ml-workflows:chain-index', Value: String(i + 1) }),
    );
  });

  it('maximum chain length: stops after the limit with what remains', async () => {
    setUp([
      { status: 'Stopped', labels: 1 },
      { status: 'Stopped', labels: 1 },
      { status: 'Completed', labels: 3 },
    ]);
    const summary = (await run({ jobName: PARENT, maxChainLength: 2 })) as ChainSummary;
    expect(world.created).toHaveLength(2);
    expect(summary).toMatchObject({ outcome: 'max-chain-length', jobsCreated: 2, remaining: 3 });
    expect(summary.message).toMatch(/maximum chain length 2 with 3 of 10 objects still needing a label/);
  });

  it('parent not found: fails with ParentNotFound and says which job', async () => {
    setUp([]);
    const error = await failure({ jobName: 'no-such-job' });
    expect(error.name).toBe('ParentNotFound');
    expect(error.message).toBe(
      'Labeling job no-such-job was not found in this account and Region: Could not find labeling job: no-such-job',
    );
  });

  it("fails with InvalidRequest and the planner's reason for a bad request, before creating anything", async () => {
    setUp([]);
    const error = await failure({ jobName: PARENT, mode: 'relabel', labelAttributeName: 'animal' });
    expect(error.name).toBe('InvalidRequest');
    expect(error.message).toBe(
      'mode "relabel" needs a new label attribute name, not the parent\'s "animal" | chain so far: []',
    );
    expect(world.created).toEqual([]);
    const missing = await failure({ mode: 'continue' });
    expect(missing).toEqual({
      name: 'InvalidRequest',
      message: 'The input needs "jobName": the labeling job to continue (see docs/labeling-chain.md)',
    });
  });

  it('an empty output manifest for a job whose counters say objects need labels fails as ManifestMismatch, creating nothing', async () => {
    // The field case labeling-chain-empty-output.manifest: the manifest is empty, LabelCounters say 6 are unlabeled.
    setUp(
      [],
      {
        LabelCounters: {
          TotalLabeled: 0,
          HumanLabeled: 0,
          MachineLabeled: 0,
          FailedNonRetryableError: 0,
          Unlabeled: 6,
        },
      },
      '',
    );
    const error = await failure({ jobName: PARENT });
    expect(error.name).toBe('ManifestMismatch');
    expect(error.message).toMatch(/6/);
    expect(world.created).toEqual([]);
  });

  it('a manifest with a line that is not JSON fails as ManifestUnreadable, creating nothing', async () => {
    setUp([], {}, `${fixtureText('image-classification.output.manifest').trimEnd()}\nnot json\n`);
    const error = await failure({ jobName: PARENT });
    expect(error.name).toBe('ManifestUnreadable');
    expect(world.created).toEqual([]);
  });

  it("auto-continue input: takes the job name from the event's ARN and skips jobs that are not opted in", async () => {
    setUp([{ status: 'Completed', labels: 5 }]);
    const skipped = (await run({
      jobArn: `arn:aws:sagemaker:us-east-1:123456789012:labeling-job/${PARENT}`,
      trigger: 'auto-continue',
    })) as ChainSummary;
    expect(skipped).toMatchObject({ outcome: 'not-opted-in', jobsCreated: 0 });
    world.jobs.get(PARENT)!.Tags = [{ Key: 'ml-workflows:auto-chain', Value: 'true' }];
    const chained = (await run({
      jobArn: `arn:aws:sagemaker:us-east-1:123456789012:labeling-job/${PARENT}`,
      trigger: 'auto-continue',
    })) as ChainSummary;
    expect(chained).toMatchObject({ outcome: 'complete', jobsCreated: 1 });
  });

  it('a retried create that finds its own job waits for it instead of failing; throttling is retried', async () => {
    setUp([{ status: 'Completed', labels: 5 }]);
    let creates = 0;
    const summary = (await run(
      { jobName: PARENT },
      {
        CreateLabelingJob: async (input: never) => {
          creates += 1;
          if (creates === 1) throw serviceError('SageMaker.ThrottlingException', 'Rate exceeded');
          if (creates === 2) {
            await world.create(input); // the call went through, but its answer was lost
            throw serviceError('SageMaker.ResourceInUseException', 'already exists');
          }
          return world.create(input);
        },
      },
    )) as ChainSummary;
    expect(creates).toBe(2);
    expect(summary).toMatchObject({ outcome: 'complete', jobsCreated: 1 });
  });

  it('uses the auto-labeling create state when the planner asks for it', async () => {
    const many = Array.from({ length: 1300 }, (_, i) =>
      JSON.stringify({ 'source-ref': `s3://b/${i}`, ...(i < 1200 ? { animal: 0 } : {}) }),
    ).join('\n');
    setUp(
      [{ status: 'Completed', labels: 100 }],
      {
        LabelingJobAlgorithmsConfig: {
          LabelingJobAlgorithmSpecificationArn:
            'arn:aws:sagemaker:us-east-1:027400017018:labeling-job-algorithm-specification/image-classification',
        },
        LabelingJobOutput: {
          OutputDatasetS3Uri: OUTPUT_URI,
          FinalActiveLearningModelArn: 'arn:aws:sagemaker:us-east-1:123456789012:model/m1',
        },
      },
      many,
    );
    const summary = (await run({ jobName: PARENT })) as ChainSummary;
    expect(world.created[0]).toMatchObject({
      LabelingJobAlgorithmsConfig: {
        InitialActiveLearningModelArn: 'arn:aws:sagemaker:us-east-1:123456789012:model/m1',
      },
    });
    expect(summary).toMatchObject({ outcome: 'complete', jobsCreated: 1 });
    expect(plannerInputs).toHaveLength(2);
  });
});
