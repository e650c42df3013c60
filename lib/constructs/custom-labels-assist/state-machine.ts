/*
 * About 800 lines on purpose: the whole run is one definition (so the synthesized state machine runs locally end to
 * end); its phases are built by the small functions below.
 */
import {
  Duration,
  type aws_lambda as lambda,
  aws_stepfunctions as sfn,
  aws_stepfunctions_tasks as tasks,
} from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import {
  CLA_STATES as S,
  MAX_BOXES_PER_IMAGE,
  MODEL_STATUS,
  MODEL_USAGE_PREFIX,
  RUN_PREFIX,
} from '../../../lambdas/custom-labels-assist/contract';

/** The functions the run calls. */
export interface AssistFunctions {
  readonly listImages: lambda.IFunction;
  readonly proposeBoxes: lambda.IFunction;
  readonly checkReviews: lambda.IFunction;
  readonly buildManifest: lambda.IFunction;
  readonly updateDataset: lambda.IFunction;
  readonly summarize: lambda.IFunction;
  /** Ground Truth mode: writes the input manifest of the adjustment job. */
  readonly prepareGroundTruth?: lambda.IFunction;
}

/** Ground Truth bounding-box adjustment (review mode `ground-truth`). */
export interface GroundTruthReview {
  /** `CreateLabelingJob` fields the deployment fixes: role, workteam, UI template, built-in task Lambdas. */
  readonly roleArn: string;
  readonly workteamArn: string;
  readonly uiTemplateS3Uri: string;
  readonly preHumanTaskLambdaArn: string;
  readonly annotationConsolidationLambdaArn: string;
  readonly labelAttributeName: string;
  readonly labelingJobArns: string[];
}

/** Options of {@link buildAssistDefinition}. */
export interface AssistDefinitionOptions {
  readonly functions: AssistFunctions;
  /** Rekognition resources the SDK tasks may act on (project, versions, datasets). */
  readonly rekognitionResources: string[];
  /** ARNs of the run's own objects in the bucket: `runs/*` and `model-usage/*` (the S3 SDK tasks' resources). */
  readonly objectArns: { readonly runs: string; readonly usage: string };
  /** `MinInferenceUnits` of `StartProjectVersion`. */
  readonly minInferenceUnits: number;
  /** Images detected at once within a page. */
  readonly detectConcurrency: number;
  /** Most images one run takes (the execution history limit). */
  readonly maxImages: number;
  readonly modelPoll: Duration;
  readonly reviewPoll: Duration;
  /** Days the run waits for reviews before it goes on. */
  readonly reviewWaitDays: number;
  readonly datasetPoll: Duration;
  readonly trainingPoll: Duration;
  /** `portal`, or Ground Truth adjustment settings. */
  readonly review: 'portal' | GroundTruthReview;
}

const TRANSIENT = [
  'Rekognition.ThrottlingException',
  'Rekognition.ProvisionedThroughputExceededException',
  'Rekognition.InternalServerError',
  'Rekognition.LimitExceededException',
];
const LAMBDA_TRANSIENT = [
  'RetryableError',
  'ThrottledError',
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
];
/** Errors of one image alone: it goes to the needs-labeling list, the run goes on. */
const IMAGE_ERRORS = [
  'Rekognition.InvalidImageFormatException',
  'Rekognition.ImageTooLargeException',
  'Rekognition.InvalidS3ObjectException',
];

/**
 * The Custom Labels assist run as a JSONPath state machine (so the synthesized definition runs in
 * aws-local-stepfunctions):
 *
 * 1. `ListImages` checks the request and lists the images into pages (nothing is started when it fails);
 * 2. the model is described; started when it is not `RUNNING` (the run records that it started it, before it does);
 *    Wait → Describe until `RUNNING`;
 * 3. an inline Map over pages (one at a time) loads a page, runs `DetectCustomLabels` per image (an inner Map) and
 *    hands the page to `ProposeBoxes` (review tasks);
 * 4. the model is stopped right after detection when the run started it — people review for hours, the model is not
 *    billed meanwhile; every failure from step 2 on goes through a Catch branch that stops it too;
 * 5. Wait → `CheckReviews` until the reviews are done (or Ground Truth's adjustment job ends);
 * 6. `BuildManifest` (which also looks the project's datasets up); `CreateDataset` (first time) or `UpdateDatasetEntries` per chunk, each Wait → `DescribeDataset`;
 * 7. optionally `CreateProjectVersion` (creating and filling a test dataset first when the project has none), Wait →
 *    Describe until trained, and `Summarize` with the F1 comparison.
 */
export function buildAssistDefinition(scope: Construct, o: AssistDefinitionOptions): sfn.IChainable {
  const rekognition = (
    id: string,
    action: string,
    parameters: Record<string, unknown>,
    extra: Partial<tasks.CallAwsServiceProps> = {},
  ) => {
    const task = new tasks.CallAwsService(scope, id, {
      service: 'rekognition',
      action,
      parameters,
      iamResources: o.rekognitionResources,
      ...extra,
    });
    task.addRetry({ errors: TRANSIENT, interval: Duration.seconds(2), maxAttempts: 6, backoffRate: 2 });
    return task;
  };
  const invoke = (id: string, fn: lambda.IFunction, payload: Record<string, unknown>, resultPath?: string) => {
    const task = new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: fn,
      payload: sfn.TaskInput.fromObject(payload),
      payloadResponseOnly: true,
      resultPath,
    });
    task.addRetry({ errors: LAMBDA_TRANSIENT, interval: Duration.seconds(5), maxAttempts: 5, backoffRate: 2 });
    return task;
  };
  const usageKey = `States.Format('${MODEL_USAGE_PREFIX}{}.json', $.run.runId)`;

  // Failures. Before the model is started: say why and fail. From then on: stop the model if this run started it.
  const runFailed = new sfn.Pass(scope, 'ExplainFailure', {
    parameters: { 'cause.$': "States.Format('{}: {}', $.error.Error, $.error.Cause)" },
    resultPath: '$.failure',
  }).next(new sfn.Fail(scope, 'RunFailed', { error: 'RunFailed', causePath: '$.failure.cause' }));
  const forgetOnFailure = new tasks.CallAwsService(scope, S.FORGET_MODEL_USE_ON_FAILURE, {
    service: 's3',
    action: 'deleteObject',
    parameters: { 'Bucket.$': '$.run.bucket', 'Key.$': usageKey },
    iamResources: [o.objectArns.usage],
    resultPath: sfn.JsonPath.DISCARD,
  });
  forgetOnFailure.addCatch(runFailed, { resultPath: '$.cleanupError' });
  forgetOnFailure.next(runFailed);
  const stopOnFailure = rekognition(
    S.STOP_MODEL_ON_FAILURE,
    'stopProjectVersion',
    {
      'ProjectVersionArn.$': '$.run.modelVersionArn',
    },
    { resultPath: sfn.JsonPath.DISCARD },
  );
  // A model already stopping is fine; any other stop failure is left to the idle check, and the run still fails.
  stopOnFailure.addCatch(forgetOnFailure, { resultPath: '$.stopError' });
  stopOnFailure.next(forgetOnFailure);
  const cleanUpAndFail = new sfn.Choice(scope, 'StartedByThisRun', {
    comment: 'Stop the model only if this run started it',
  })
    .when(sfn.Condition.booleanEquals('$.usage.startedByRun', true), stopOnFailure)
    .otherwise(forgetOnFailure);
  const failWith = (id: string, error: string, cause: string) =>
    new sfn.Pass(scope, id, { parameters: { Error: error, 'Cause.$': cause }, resultPath: '$.error' });

  // 1. Check and list.
  const start = new sfn.Pass(scope, 'Start', {
    comment: 'Keep the request; empty slots for what later phases add',
    parameters: {
      'request.$': '$',
      'executionArn.$': '$$.Execution.Id',
      'startedAt.$': '$$.Execution.StartTime',
      // Empty, not null: a path to a null value is "no value" for some JSONPath readers (aws-local-stepfunctions).
      detection: [],
      review: {},
      manifest: {},
      dataset: {},
      previous: {},
      trained: {},
    },
  });
  const listImages = invoke(
    S.LIST_IMAGES,
    o.functions.listImages,
    {
      'request.$': '$.request',
      'executionArn.$': '$.executionArn',
      maxImages: o.maxImages,
    },
    '$.listing',
  );
  listImages.addCatch(runFailed, { resultPath: '$.error' });
  const setRun = new sfn.Pass(scope, 'SetRun', {
    parameters: {
      'run.$': '$.listing.run',
      'listing.$': '$.listing',
      'startedAt.$': '$.startedAt',
      'detection.$': '$.detection',
      'review.$': '$.review',
      'manifest.$': '$.manifest',
      'dataset.$': '$.dataset',
      'previous.$': '$.previous',
      'trained.$': '$.trained',
      usage: {
        'runId.$': '$.listing.run.runId',
        'executionArn.$': '$.executionArn',
        'modelVersionArn.$': '$.listing.run.modelVersionArn',
        startedByRun: false,
      },
    },
  });

  // 2. The model.
  const recordUse = (id: string) => {
    const task = new tasks.CallAwsService(scope, id, {
      comment: 'The idle check leaves a model alone while a live run records that it uses it',
      service: 's3',
      action: 'putObject',
      parameters: {
        'Bucket.$': '$.run.bucket',
        'Key.$': usageKey,
        'Body.$': 'States.JsonToString($.usage)',
        ContentType: 'application/json',
      },
      iamResources: [o.objectArns.usage],
      resultPath: sfn.JsonPath.DISCARD,
    });
    task.addCatch(cleanUpAndFail, { resultPath: '$.error' });
    return task;
  };
  const describeModel = describeVersion(rekognition, S.DESCRIBE_MODEL, '$.run.versionName', '$.model');
  describeModel.addCatch(cleanUpAndFail, { resultPath: '$.error' });
  const waitForModel = new sfn.Wait(scope, 'WaitForModel', { time: sfn.WaitTime.duration(o.modelPoll) });
  waitForModel.next(describeModel);
  const markStarting = new sfn.Pass(scope, 'MarkStartedByRun', {
    comment: 'Recorded before StartProjectVersion: whatever happens next, this run stops the model',
    result: sfn.Result.fromBoolean(true),
    resultPath: '$.usage.startedByRun',
  });
  const startModel = rekognition(
    S.START_MODEL,
    'startProjectVersion',
    {
      'ProjectVersionArn.$': '$.run.modelVersionArn',
      MinInferenceUnits: o.minInferenceUnits,
    },
    { resultPath: sfn.JsonPath.DISCARD },
  );
  startModel.addCatch(waitForModel, {
    errors: ['Rekognition.ResourceInUseException'],
    resultPath: sfn.JsonPath.DISCARD,
  });
  startModel.addCatch(cleanUpAndFail, { resultPath: '$.error' });
  markStarting.next(recordUse('RecordModelStart')).next(startModel).next(waitForModel);

  const status = '$.model.versions[0].Status';
  const detectPages = buildDetection(scope, o, rekognition, invoke);
  detectPages.addCatch(cleanUpAndFail, { resultPath: '$.error' });
  const modelState = new sfn.Choice(scope, 'ModelState', { comment: 'Start the model only when it is not running' })
    .when(
      sfn.Condition.isNotPresent('$.model.versions[0]'),
      failWith(
        'ModelNotFound',
        'ModelNotFound',
        "States.Format('No model version {} in project {}', $.run.versionName, $.run.projectArn)",
      ).next(cleanUpAndFail),
    )
    .when(sfn.Condition.stringEquals(status, MODEL_STATUS.RUNNING), detectPages)
    .when(
      sfn.Condition.and(
        sfn.Condition.booleanEquals('$.usage.startedByRun', false),
        sfn.Condition.or(
          sfn.Condition.stringEquals(status, MODEL_STATUS.STOPPED),
          sfn.Condition.stringEquals(status, MODEL_STATUS.TRAINING_COMPLETED),
        ),
      ),
      markStarting,
    )
    .when(
      sfn.Condition.or(
        sfn.Condition.stringEquals(status, MODEL_STATUS.STARTING),
        sfn.Condition.stringEquals(status, MODEL_STATUS.STOPPING),
      ),
      waitForModel,
    )
    .otherwise(
      failWith(
        'ModelNotUsable',
        'ModelNotUsable',
        `States.Format('Model version {} is {}: it cannot detect', $.run.versionName, ${status})`,
      ).next(cleanUpAndFail),
    );
  describeModel.next(modelState);

  // 4. Stop the model right after detection (when this run started it), and forget the usage record.
  const forget = new tasks.CallAwsService(scope, S.FORGET_MODEL_USE, {
    service: 's3',
    action: 'deleteObject',
    parameters: { 'Bucket.$': '$.run.bucket', 'Key.$': usageKey },
    iamResources: [o.objectArns.usage],
    resultPath: sfn.JsonPath.DISCARD,
  });
  forget.addCatch(runFailed, { resultPath: '$.error' });
  const stopModel = rekognition(
    S.STOP_MODEL,
    'stopProjectVersion',
    { 'ProjectVersionArn.$': '$.run.modelVersionArn' },
    { resultPath: sfn.JsonPath.DISCARD },
  );
  stopModel.addCatch(cleanUpAndFail, { resultPath: '$.error' });
  stopModel.next(forget);
  detectPages.next(
    new sfn.Choice(scope, 'StopIfStartedByRun', { comment: 'Nobody pays for the model while people review' })
      .when(sfn.Condition.booleanEquals('$.usage.startedByRun', true), stopModel)
      .otherwise(forget),
  );

  // 5.–7.
  const summarize = invoke(
    S.SUMMARIZE,
    o.functions.summarize,
    {
      'run.$': '$.run',
      'listing.$': '$.listing',
      model: { 'startedByRun.$': '$.usage.startedByRun' },
      'detection.$': '$.detection',
      'review.$': '$.review',
      'manifest.$': '$.manifest',
      'dataset.$': '$.dataset',
      'previous.$': '$.previous',
      'trained.$': '$.trained',
    },
    '$.summary',
  );
  summarize.addCatch(runFailed, { resultPath: '$.error' });
  summarize.next(
    new sfn.Choice(scope, 'TrainingFailed?')
      .when(
        sfn.Condition.and(
          sfn.Condition.isPresent('$.trained.versions[0].Status'),
          sfn.Condition.stringEquals('$.trained.versions[0].Status', MODEL_STATUS.TRAINING_FAILED),
        ),
        new sfn.Fail(scope, 'TrainingFailed', {
          error: 'TrainingFailed',
          cause:
            'The dataset was updated but the new model version failed to train: see the run summary (runs/<run id>/summary.json)',
        }),
      )
      .otherwise(new sfn.Succeed(scope, 'Done', { outputPath: '$.summary' })),
  );
  const build = invoke(
    S.BUILD_MANIFEST,
    o.functions.buildManifest,
    {
      'run.$': '$.run',
      waitDays: o.reviewWaitDays,
      ...(o.review === 'portal' ? {} : { 'groundTruthOutput.$': '$.review.LabelingJobOutput.OutputDatasetS3Uri' }),
    },
    '$.manifest',
  );
  build.addCatch(runFailed, { resultPath: '$.error' });
  forget.next(buildReview(scope, o, invoke, build, runFailed));
  build.next(
    new sfn.Choice(scope, 'AnyVerifiedImage?')
      .when(
        sfn.Condition.numberGreaterThan('$.manifest.lines', 0),
        buildDataset(scope, o, rekognition, invoke, summarize, runFailed),
      )
      .otherwise(summarize),
  );

  return start.next(listImages).next(setRun).next(recordUse(S.RECORD_MODEL_USE)).next(describeModel);
}

type Rekognition = (
  id: string,
  action: string,
  parameters: Record<string, unknown>,
  extra?: Partial<tasks.CallAwsServiceProps>,
) => tasks.CallAwsService;
type Invoke = (
  id: string,
  fn: lambda.IFunction,
  payload: Record<string, unknown>,
  resultPath?: string,
) => tasks.LambdaInvoke;

/** `DescribeProjectVersions` of one version of the run's project (name at `namePath`), its description list at `resultPath`. */
function describeVersion(rekognition: Rekognition, id: string, namePath: string, resultPath: string) {
  return rekognition(
    id,
    'describeProjectVersions',
    { 'ProjectArn.$': '$.run.projectArn', 'VersionNames.$': `States.Array(${namePath})` },
    { resultSelector: { 'versions.$': '$.ProjectVersionDescriptions' }, resultPath },
  );
}

/** 3. Pages, one at a time; images of a page detected concurrently; each page handed to `ProposeBoxes`. */
function buildDetection(
  scope: Construct,
  o: AssistDefinitionOptions,
  rekognition: Rekognition,
  invoke: Invoke,
): sfn.Map {
  const loadPage = new tasks.CallAwsService(scope, S.LOAD_PAGE, {
    service: 's3',
    action: 'getObject',
    parameters: {
      'Bucket.$': '$.run.bucket',
      'Key.$': `States.Format('${RUN_PREFIX}{}/pages/{}.json', $.run.runId, $.page)`,
    },
    iamResources: [o.objectArns.runs],
    resultSelector: { 'images.$': 'States.StringToJson($.Body)' },
    resultPath: '$.loaded',
  });
  loadPage.addRetry({
    errors: ['S3.InternalError', 'S3.SlowDown'],
    interval: Duration.seconds(2),
    maxAttempts: 4,
    backoffRate: 2,
  });
  const detect = rekognition(
    S.DETECT,
    'detectCustomLabels',
    {
      'ProjectVersionArn.$': '$.run.modelVersionArn',
      Image: { S3Object: { 'Bucket.$': '$.run.bucket', 'Name.$': '$.image.key' } },
      'MinConfidence.$': '$.run.minConfidence',
      MaxResults: MAX_BOXES_PER_IMAGE,
    },
    { resultSelector: { 'labels.$': '$.CustomLabels' }, resultPath: '$.result' },
  );
  detect.addRetry({
    errors: ['Rekognition.ResourceNotReadyException'],
    interval: Duration.seconds(30),
    maxAttempts: 4,
    backoffRate: 2,
  });
  const notDetected = new sfn.Pass(scope, 'ImageNotDetected', {
    comment: 'Rekognition refused this image alone: it goes to the needs-labeling list',
    parameters: { 'image.$': '$.image', 'error.$': '$.error' },
  });
  detect.addCatch(notDetected, { errors: IMAGE_ERRORS, resultPath: '$.error' });
  detect.next(
    new sfn.Pass(scope, 'KeepDetection', { parameters: { 'image.$': '$.image', 'labels.$': '$.result.labels' } }),
  );
  const images = new sfn.Map(scope, 'DetectImages', {
    itemsPath: '$.loaded.images',
    maxConcurrency: o.detectConcurrency,
    itemSelector: { 'image.$': '$$.Map.Item.Value', 'run.$': '$.run' },
    resultPath: '$.detected',
  });
  images.itemProcessor(detect);
  const propose = invoke(S.PROPOSE, o.functions.proposeBoxes, {
    'run.$': '$.run',
    'page.$': '$.page',
    'detected.$': '$.detected',
  });
  const pages = new sfn.Map(scope, 'DetectPages', {
    comment: 'Inline Map over pages (aws-local-stepfunctions runs it); one page at a time bounds inference load',
    itemsPath: '$.listing.pages',
    maxConcurrency: 1,
    itemSelector: { 'page.$': '$$.Map.Item.Value', 'run.$': '$.run' },
    resultPath: '$.detection',
  });
  pages.itemProcessor(loadPage.next(images).next(propose));
  return pages;
}

/** 5. People review: Wait → `CheckReviews` (portal), or a Ground Truth adjustment job (Wait → Describe). */
function buildReview(
  scope: Construct,
  o: AssistDefinitionOptions,
  invoke: Invoke,
  build: sfn.IChainable,
  runFailed: sfn.IChainable,
): sfn.IChainable {
  if (o.review === 'portal') {
    const wait = new sfn.Wait(scope, 'WaitForReviews', { time: sfn.WaitTime.duration(o.reviewPoll) });
    const check = invoke(
      S.CHECK_REVIEWS,
      o.functions.checkReviews,
      {
        'run.$': '$.run',
        'startedAt.$': '$.startedAt',
        waitDays: o.reviewWaitDays,
      },
      '$.review',
    );
    check.addCatch(runFailed, { resultPath: '$.error' });
    wait
      .next(check)
      .next(
        new sfn.Choice(scope, 'ReviewsDone?')
          .when(sfn.Condition.booleanEquals('$.review.done', true), build)
          .otherwise(wait),
      );
    return wait;
  }
  const gt = o.review;
  const prepare = invoke(
    S.PREPARE_GROUND_TRUTH,
    o.functions.prepareGroundTruth!,
    { 'run.$': '$.run' },
    '$.groundTruth',
  );
  prepare.addCatch(runFailed, { resultPath: '$.error' });
  const create = new tasks.CallAwsService(scope, S.CREATE_LABELING_JOB, {
    comment: 'Ground Truth bounding-box adjustment of the proposals (accounts that still have Ground Truth)',
    service: 'sagemaker',
    action: 'createLabelingJob',
    parameters: {
      'LabelingJobName.$': "States.Format('custom-labels-assist-{}', $.run.runId)",
      LabelAttributeName: gt.labelAttributeName,
      InputConfig: { DataSource: { S3DataSource: { 'ManifestS3Uri.$': '$.groundTruth.manifestUri' } } },
      OutputConfig: {
        'S3OutputPath.$': "States.Format('s3://{}/runs/{}/ground-truth/output/', $.run.bucket, $.run.runId)",
      },
      RoleArn: gt.roleArn,
      'LabelCategoryConfigS3Uri.$': '$.groundTruth.categoriesUri',
      HumanTaskConfig: {
        WorkteamArn: gt.workteamArn,
        UiConfig: { UiTemplateS3Uri: gt.uiTemplateS3Uri },
        PreHumanTaskLambdaArn: gt.preHumanTaskLambdaArn,
        AnnotationConsolidationConfig: { AnnotationConsolidationLambdaArn: gt.annotationConsolidationLambdaArn },
        TaskTitle: 'Adjust the proposed boxes',
        TaskDescription: 'Keep, move, relabel or remove each proposed box; draw the objects the model missed',
        NumberOfHumanWorkersPerDataObject: 1,
        TaskTimeLimitInSeconds: 3600,
        TaskAvailabilityLifetimeInSeconds: Math.min(864_000, o.reviewWaitDays * 86_400),
      },
    },
    iamResources: gt.labelingJobArns,
    resultPath: sfn.JsonPath.DISCARD,
  });
  create.addCatch(runFailed, { resultPath: '$.error' });
  const wait = new sfn.Wait(scope, 'WaitForLabelingJob', { time: sfn.WaitTime.duration(o.reviewPoll) });
  const describe = new tasks.CallAwsService(scope, S.DESCRIBE_LABELING_JOB, {
    service: 'sagemaker',
    action: 'describeLabelingJob',
    parameters: { 'LabelingJobName.$': "States.Format('custom-labels-assist-{}', $.run.runId)" },
    iamResources: gt.labelingJobArns,
    resultPath: '$.review',
  });
  describe.addCatch(runFailed, { resultPath: '$.error' });
  prepare
    .next(create)
    .next(wait)
    .next(describe)
    .next(
      new sfn.Choice(scope, 'LabelingJobEnded?')
        .when(sfn.Condition.stringEquals('$.review.LabelingJobStatus', 'Completed'), build)
        .when(
          sfn.Condition.or(
            sfn.Condition.stringEquals('$.review.LabelingJobStatus', 'Failed'),
            sfn.Condition.stringEquals('$.review.LabelingJobStatus', 'Stopped'),
          ),
          new sfn.Pass(scope, 'LabelingJobFailed', {
            parameters: {
              Error: 'LabelingJobFailed',
              'Cause.$': "States.Format('Ground Truth job ended {}', $.review.LabelingJobStatus)",
            },
            resultPath: '$.error',
          }).next(runFailed),
        )
        .otherwise(wait),
    );
  return prepare;
}

/** A Wait → `DescribeDataset` → Choice loop until `done`; `failed` (or anything else) fails the run. */
function datasetWait(
  scope: Construct,
  o: AssistDefinitionOptions,
  rekognition: Rekognition,
  id: string,
  arnPath: string,
  done: string,
  busy: string,
  next: sfn.IChainable,
  runFailed: sfn.IChainable,
): sfn.IChainable {
  const wait = new sfn.Wait(scope, `WaitFor${id}`, { time: sfn.WaitTime.duration(o.datasetPoll) });
  const describe = rekognition(
    id,
    'describeDataset',
    { 'DatasetArn.$': arnPath },
    {
      resultSelector: { 'status.$': '$.DatasetDescription.Status' },
      resultPath: '$.datasetStatus',
    },
  );
  describe.addCatch(runFailed, { resultPath: '$.error' });
  wait.next(describe).next(
    new sfn.Choice(scope, `${id}Done?`)
      .when(sfn.Condition.stringEquals('$.datasetStatus.status', done), next)
      .when(sfn.Condition.stringEquals('$.datasetStatus.status', busy), wait)
      .otherwise(
        new sfn.Pass(scope, `${id}Failed`, {
          parameters: {
            Error: 'DatasetFailed',
            'Cause.$': `States.Format('Dataset {} is {}', ${arnPath}, $.datasetStatus.status)`,
          },
          resultPath: '$.error',
        }).next(runFailed),
      ),
  );
  return wait;
}

/** 6.–7. The training dataset (created, or updated chunk by chunk), then the optional training and comparison. */
function buildDataset(
  scope: Construct,
  o: AssistDefinitionOptions,
  rekognition: Rekognition,
  invoke: Invoke,
  summarize: sfn.IChainable,
  runFailed: sfn.IChainable,
): sfn.IChainable {
  // 7. Training.
  const describePrevious = describeVersion(rekognition, S.DESCRIBE_PREVIOUS, '$.run.versionName', '$.previous');
  describePrevious.addCatch(runFailed, { resultPath: '$.error' });
  describePrevious.next(summarize);
  const waitTraining = new sfn.Wait(scope, 'WaitForTraining', { time: sfn.WaitTime.duration(o.trainingPoll) });
  const describeTrained = describeVersion(rekognition, S.DESCRIBE_TRAINED, '$.run.newVersionName', '$.trained');
  describeTrained.addCatch(runFailed, { resultPath: '$.error' });
  waitTraining
    .next(describeTrained)
    .next(
      new sfn.Choice(scope, 'Trained?')
        .when(
          sfn.Condition.stringEquals('$.trained.versions[0].Status', MODEL_STATUS.TRAINING_IN_PROGRESS),
          waitTraining,
        )
        .otherwise(describePrevious),
    );
  const train = rekognition(
    S.CREATE_VERSION,
    'createProjectVersion',
    {
      'ProjectArn.$': '$.run.projectArn',
      'VersionName.$': '$.run.newVersionName',
      OutputConfig: {
        'S3Bucket.$': '$.run.bucket',
        'S3KeyPrefix.$': `States.Format('${RUN_PREFIX}{}/training/', $.run.runId)`,
      },
    },
    { resultPath: sfn.JsonPath.DISCARD },
  );
  // The version name is the run's: a retried create finds its own version, and waits for it.
  train.addCatch(waitTraining, { errors: ['Rekognition.ResourceInUseException'], resultPath: sfn.JsonPath.DISCARD });
  train.addCatch(runFailed, { resultPath: '$.error' });
  train.next(waitTraining);

  // A project needs a test dataset to train: create an empty one and let Rekognition split the training dataset.
  const distribute = rekognition(
    S.DISTRIBUTE_ENTRIES,
    'distributeDatasetEntries',
    { 'Datasets.$': '$.distribute.datasets' },
    { resultPath: sfn.JsonPath.DISCARD },
  );
  distribute.addCatch(runFailed, { resultPath: '$.error' });
  distribute.next(
    datasetWait(
      scope,
      o,
      rekognition,
      S.DESCRIBE_DISTRIBUTED_DATASET,
      '$.dataset.datasetArn',
      'UPDATE_COMPLETE',
      'UPDATE_IN_PROGRESS',
      train,
      runFailed,
    ),
  );
  const pairDatasets = new sfn.Pass(scope, 'PairDatasets', {
    parameters: { datasets: [{ 'Arn.$': '$.dataset.datasetArn' }, { 'Arn.$': '$.testDataset.datasetArn' }] },
    resultPath: '$.distribute',
  });
  pairDatasets.next(distribute);
  const createTest = rekognition(
    S.CREATE_TEST_DATASET,
    'createDataset',
    { 'ProjectArn.$': '$.run.projectArn', DatasetType: 'TEST' },
    {
      resultSelector: { 'datasetArn.$': '$.DatasetArn' },
      resultPath: '$.testDataset',
    },
  );
  createTest.addCatch(runFailed, { resultPath: '$.error' });
  createTest.next(
    datasetWait(
      scope,
      o,
      rekognition,
      S.DESCRIBE_TEST_DATASET,
      '$.testDataset.datasetArn',
      'CREATE_COMPLETE',
      'CREATE_IN_PROGRESS',
      pairDatasets,
      runFailed,
    ),
  );
  const afterDataset = new sfn.Choice(scope, 'TrainNewVersion?')
    .when(
      sfn.Condition.booleanEquals('$.run.train', true),
      new sfn.Choice(scope, 'HasTestDataset?')
        .when(sfn.Condition.isPresent('$.manifest.testDatasetArn'), train)
        .otherwise(createTest),
    )
    .otherwise(summarize);

  // 6. Dataset: create it from the manifest the first time, else send the changes chunk by chunk.
  const createTrain = rekognition(
    S.CREATE_TRAIN_DATASET,
    'createDataset',
    {
      'ProjectArn.$': '$.run.projectArn',
      DatasetType: 'TRAIN',
      DatasetSource: {
        GroundTruthManifest: {
          S3Object: { 'Bucket.$': '$.manifest.manifestBucket', 'Name.$': '$.manifest.manifestKey' },
        },
      },
    },
    { resultSelector: { 'datasetArn.$': '$.DatasetArn', created: true }, resultPath: '$.dataset' },
  );
  createTrain.addCatch(runFailed, { resultPath: '$.error' });
  createTrain.next(
    datasetWait(
      scope,
      o,
      rekognition,
      S.DESCRIBE_TRAIN_DATASET,
      '$.dataset.datasetArn',
      'CREATE_COMPLETE',
      'CREATE_IN_PROGRESS',
      afterDataset,
      runFailed,
    ),
  );

  const send = invoke(
    S.SEND_CHUNK,
    o.functions.updateDataset,
    { 'run.$': '$.run', 'datasetArn.$': '$.datasetArn', 'chunk.$': '$.chunk' },
    sfn.JsonPath.DISCARD,
  );
  // The dataset is still busy with the previous change: wait and send again.
  send.addRetry({ errors: ['RetryableError'], interval: Duration.seconds(60), maxAttempts: 10, backoffRate: 1.5 });
  const chunkDone = new sfn.Pass(scope, 'ChunkApplied');
  const waitChunk = new sfn.Wait(scope, 'WaitForDatasetUpdate', { time: sfn.WaitTime.duration(o.datasetPoll) });
  const describeUpdated = rekognition(
    S.DESCRIBE_UPDATED_DATASET,
    'describeDataset',
    { 'DatasetArn.$': '$.datasetArn' },
    {
      resultSelector: { 'status.$': '$.DatasetDescription.Status' },
      resultPath: '$.datasetStatus',
    },
  );
  send
    .next(waitChunk)
    .next(describeUpdated)
    .next(
      new sfn.Choice(scope, 'DatasetUpdated?')
        .when(sfn.Condition.stringEquals('$.datasetStatus.status', 'UPDATE_COMPLETE'), chunkDone)
        .when(sfn.Condition.stringEquals('$.datasetStatus.status', 'UPDATE_IN_PROGRESS'), waitChunk)
        .otherwise(
          new sfn.Fail(scope, 'DatasetUpdateFailed', {
            error: 'DatasetUpdateFailed',
            cause: 'UpdateDatasetEntries ended UPDATE_FAILED: see ListDatasetEntries for the entries in error',
          }),
        ),
    );
  const chunks = new sfn.Map(scope, 'SendDatasetChanges', {
    comment: 'One change at a time: a dataset takes no new change while it is updating',
    itemsPath: '$.manifest.chunks',
    maxConcurrency: 1,
    itemSelector: { 'chunk.$': '$$.Map.Item.Value', 'run.$': '$.run', 'datasetArn.$': '$.dataset.datasetArn' },
    resultPath: sfn.JsonPath.DISCARD,
  });
  chunks.itemProcessor(send);
  chunks.addCatch(runFailed, { resultPath: '$.error' });
  chunks.next(afterDataset);
  const useTrain = new sfn.Pass(scope, 'UseTrainDataset', {
    parameters: { 'datasetArn.$': '$.manifest.trainDatasetArn', created: false },
    resultPath: '$.dataset',
  });
  useTrain.next(chunks);

  // BuildManifest looked the project's datasets up (DescribeProjects): no JSONPath filter over the answer here.
  return new sfn.Choice(scope, 'HasTrainDataset?')
    .when(sfn.Condition.isPresent('$.manifest.trainDatasetArn'), useTrain)
    .otherwise(createTrain);
}

/** Step Functions events one image costs in the execution history (inner Map iteration, its task and Pass). */
export const EVENTS_PER_IMAGE = 9;
/** Events of one review or training poll (Wait, Lambda or SDK task, Choice). */
export const EVENTS_PER_POLL = 9;
/** Events kept free for everything else. */
export const EVENTS_RESERVE = 3_000;
