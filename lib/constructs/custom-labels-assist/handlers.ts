import { Duration, aws_iam as iam, type aws_s3 as s3 } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import {
  CUSTOM_LABELS_ASSIST_ENV,
  CUSTOM_LABELS_ASSIST_SERVICE,
  MODEL_USAGE_PREFIX,
  MODEL_WATCH_PREFIX,
  RUN_PREFIX,
} from '../../../lambdas/custom-labels-assist/contract';
import { grantObjects, nagResourceName } from '../../shared/grants';
import { HandlerFunction } from '../../shared/handler-function';
import { acknowledge } from '../../shared/nag';
import { lambdaEntry } from '../../shared/paths';
import { type IReviewBackend } from '../../shared/review-backend';

/** Settings every run function reads. */
export interface RunFunctionSettings {
  readonly bucket: s3.IBucket;
  readonly projectArn: string;
  readonly minConfidence: number;
  readonly imagesPerPage: number;
  readonly imagesPerTask: number;
  readonly review: 'portal' | 'ground-truth';
  readonly labelAttribute: string;
  /** The portal (review mode `portal`): the starter is bound to it, the manifest builder reads its outputs. */
  readonly reviewBackend?: IReviewBackend;
  /** Rekognition dataset ARNs of the project (`UpdateDatasetEntries`). */
  readonly datasetArns: string;
  /** Rekognition model version ARNs of the project (`StopProjectVersion` of `ReleaseModel`). */
  readonly versionArns: string;
}

/** The run's functions. */
export interface RunFunctions {
  readonly listImages: HandlerFunction;
  readonly proposeBoxes: HandlerFunction;
  readonly checkReviews: HandlerFunction;
  readonly buildManifest: HandlerFunction;
  readonly updateDataset: HandlerFunction;
  readonly summarize: HandlerFunction;
  readonly prepareGroundTruth?: HandlerFunction;
  readonly recordReview: HandlerFunction;
  /** `ReleaseModel`: the run leaves the model (`states:DescribeExecution` is granted once the state machine exists). */
  readonly releaseModel: HandlerFunction;
}

/**
 * The run's functions (Step Functions tasks, plus the review recorder that EventBridge invokes), each with exactly the
 * access it needs: the images bucket's objects it reads (images, the run's files), the run's files it writes, the
 * review back end (task creation, results), `DescribeProjects` (no resource-level permission: `*`) and `UpdateDatasetEntries` on its
 * datasets.
 */
export function createRunFunctions(scope: Construct, s: RunFunctionSettings): RunFunctions {
  const environment = {
    [CUSTOM_LABELS_ASSIST_ENV.BUCKET]: s.bucket.bucketName,
    [CUSTOM_LABELS_ASSIST_ENV.PROJECT_ARN]: s.projectArn,
    [CUSTOM_LABELS_ASSIST_ENV.MIN_CONFIDENCE]: String(s.minConfidence),
    [CUSTOM_LABELS_ASSIST_ENV.IMAGES_PER_PAGE]: String(s.imagesPerPage),
    [CUSTOM_LABELS_ASSIST_ENV.IMAGES_PER_TASK]: String(s.imagesPerTask),
    [CUSTOM_LABELS_ASSIST_ENV.REVIEW]: s.review,
    [CUSTOM_LABELS_ASSIST_ENV.LABEL_ATTRIBUTE]: s.labelAttribute,
  };
  const fn = (id: string, file: string, description: string, extra: { memorySize?: number; timeout?: Duration } = {}) =>
    new HandlerFunction(scope, id, {
      entry: lambdaEntry(`custom-labels-assist/${file}.ts`),
      invocation: 'step-functions',
      serviceName: CUSTOM_LABELS_ASSIST_SERVICE.RUN,
      description: `Custom Labels assist: ${description}`,
      environment,
      ...extra,
    });
  const runs = `${RUN_PREFIX}*`;

  const listImages = fn('ListImages', 'list-images', 'lists the images of a run into pages', {
    memorySize: 1024,
    timeout: Duration.minutes(15),
  });
  grantObjects(s.bucket, listImages, 'read', '*', true); // images anywhere in the bucket, and their listing
  grantObjects(s.bucket, listImages, 'write', runs);

  const proposeBoxes = fn('ProposeBoxes', 'propose-boxes', 'turns detections into review tasks', {
    timeout: Duration.minutes(2),
  });
  grantObjects(s.bucket, proposeBoxes, 'write', runs);
  s.reviewBackend?.bindStarter(proposeBoxes);

  const checkReviews = fn('CheckReviews', 'check-reviews', 'counts finished reviews', { timeout: Duration.minutes(2) });
  grantObjects(s.bucket, checkReviews, 'read', runs, true);

  const buildManifest = fn('BuildManifest', 'build-manifest', 'builds the Custom Labels manifest', {
    memorySize: 1024,
    timeout: Duration.minutes(15),
  });
  grantObjects(s.bucket, buildManifest, 'readWrite', runs, true);
  s.reviewBackend?.grantReadOutput(buildManifest);
  // Which datasets the project has (create the training dataset, or send changes to it). DescribeProjects defines no
  // resource type in the Service Authorization Reference (it lists the account's projects), so it is granted on "*";
  // the function names this project only (ProjectNames).
  buildManifest.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['rekognition:DescribeProjects'], resources: ['*'] }),
  );
  acknowledge(
    buildManifest.role!,
    'rekognition:DescribeProjects supports no resource-level permission (Service Authorization Reference); read-only, and the call names only this project.',
    'AwsSolutions-IAM5[Resource::*]',
  );

  const updateDataset = fn('UpdateDataset', 'update-dataset', 'sends one chunk of dataset changes', {
    timeout: Duration.minutes(2),
  });
  grantObjects(s.bucket, updateDataset, 'read', runs);
  updateDataset.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['rekognition:UpdateDatasetEntries'], resources: [s.datasetArns] }),
  );
  acknowledge(
    updateDataset.role!,
    "Dataset ARNs are created by Rekognition at run time; the grant is limited to this project's datasets.",
    `AwsSolutions-IAM5[Resource::${nagResourceName(scope, s.datasetArns)}]`,
  );

  const summarize = fn('Summarize', 'summarize-run', 'writes the run summary and the F1 comparison');
  grantObjects(s.bucket, summarize, 'write', runs);

  let prepareGroundTruth: HandlerFunction | undefined;
  if (s.review === 'ground-truth') {
    prepareGroundTruth = fn('PrepareGroundTruth', 'prepare-ground-truth', 'writes the Ground Truth adjustment input', {
      timeout: Duration.minutes(5),
    });
    grantObjects(s.bucket, prepareGroundTruth, 'readWrite', runs, true);
  }

  const recordReview = new HandlerFunction(scope, 'RecordReview', {
    entry: lambdaEntry('custom-labels-assist/record-review.ts'),
    invocation: 'async',
    serviceName: CUSTOM_LABELS_ASSIST_SERVICE.RUN,
    description: 'Custom Labels assist: records a finished review in its run',
    environment: { [CUSTOM_LABELS_ASSIST_ENV.BUCKET]: s.bucket.bucketName },
  });
  grantObjects(s.bucket, recordReview, 'write', runs);

  const releaseModel = createReleaseModel(scope, fn, s);

  return {
    releaseModel,
    listImages,
    proposeBoxes,
    checkReviews,
    buildManifest,
    updateDataset,
    summarize,
    prepareGroundTruth,
    recordReview,
  };
}

/** `ReleaseModel`: reads, rewrites (hand-over) and deletes usage records; stops this project's model versions. */
function createReleaseModel(
  scope: Construct,
  fn: (id: string, file: string, description: string, extra?: { timeout?: Duration }) => HandlerFunction,
  s: RunFunctionSettings,
): HandlerFunction {
  const release = fn('ReleaseModel', 'release-model', 'stops the model when no other live run uses it', {
    timeout: Duration.minutes(1),
  });
  grantObjects(s.bucket, release, 'readWrite', `${MODEL_USAGE_PREFIX}*`, true);
  grantObjects(s.bucket, release, 'delete', `${MODEL_USAGE_PREFIX}*`);
  release.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['rekognition:StopProjectVersion'], resources: [s.versionArns] }),
  );
  acknowledge(
    release.role!,
    "Model versions are created at run time; the grant is limited to this project's versions.",
    `AwsSolutions-IAM5[Resource::${nagResourceName(scope, s.versionArns)}]`,
  );
  return release;
}

/** Props of {@link createModelWatchdog}. */
export interface WatchdogProps {
  readonly bucket: s3.IBucket;
  readonly projectArn: string;
  readonly projectResources: string;
  readonly stateMachineArn: string;
  readonly executionArns: string;
  readonly maxIdleMinutes: number;
  readonly checkIntervalMinutes: number;
}

/**
 * The model watchdog (`StopModels`): on a schedule, stops project models left running with no run using them; on an
 * assist execution that ended without its Catch branches (aborted, timed out), stops the model the run started.
 */
export function createModelWatchdog(scope: Construct, p: WatchdogProps): HandlerFunction {
  const fn = new HandlerFunction(scope, 'StopModels', {
    entry: lambdaEntry('custom-labels-assist/stop-models.ts'),
    invocation: 'async',
    serviceName: CUSTOM_LABELS_ASSIST_SERVICE.MODELS,
    description: 'Custom Labels assist: stops models left running (idle, or left by an aborted run)',
    timeout: Duration.minutes(2),
    environment: {
      [CUSTOM_LABELS_ASSIST_ENV.BUCKET]: p.bucket.bucketName,
      [CUSTOM_LABELS_ASSIST_ENV.PROJECT_ARN]: p.projectArn,
      [CUSTOM_LABELS_ASSIST_ENV.STATE_MACHINE_ARN]: p.stateMachineArn,
      [CUSTOM_LABELS_ASSIST_ENV.MAX_IDLE_MINUTES]: String(p.maxIdleMinutes),
      [CUSTOM_LABELS_ASSIST_ENV.CHECK_INTERVAL_MINUTES]: String(p.checkIntervalMinutes),
    },
  });
  grantObjects(p.bucket, fn, 'readWrite', `${MODEL_USAGE_PREFIX}*`, true);
  grantObjects(p.bucket, fn, 'delete', `${MODEL_USAGE_PREFIX}*`);
  grantObjects(p.bucket, fn, 'readWrite', `${MODEL_WATCH_PREFIX}*`, true);
  grantObjects(p.bucket, fn, 'delete', `${MODEL_WATCH_PREFIX}*`);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['rekognition:DescribeProjectVersions', 'rekognition:StopProjectVersion'],
      resources: [p.projectArn, p.projectResources],
    }),
  );
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [p.executionArns] }));
  acknowledge(
    fn.role!,
    "Model versions and executions are created at run time; the grants are limited to this project's versions and this state machine's executions.",
    `AwsSolutions-IAM5[Resource::${nagResourceName(scope, p.projectResources)}]`,
    `AwsSolutions-IAM5[Resource::${nagResourceName(scope, p.executionArns)}]`,
  );
  return fn;
}
