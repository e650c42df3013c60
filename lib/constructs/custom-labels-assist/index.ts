import {
  Annotations,
  ArnFormat,
  Aws,
  Duration,
  RemovalPolicy,
  Stack,
  Token,
  aws_events as events,
  aws_iam as iam,
  aws_rekognition as rekognition,
  aws_s3 as s3,
  type aws_sns as sns,
  aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  CUSTOM_LABELS_REGIONS,
  DEFAULT_MIN_CONFIDENCE,
  MODEL_USAGE_PREFIX,
  RUN_PREFIX,
  TASK_ID_PREFIX,
} from '../../../lambdas/custom-labels-assist/contract';
import { ConstructValidationError, validatePattern, validateRange } from '../../shared/errors';
import { functionTarget } from '../../shared/events';
import { nagResourceName, nagResourceNameIn } from '../../shared/grants';
import { type HandlerFunction } from '../../shared/handler-function';
import { WorkflowLogGroup } from '../../shared/logs';
import { acknowledge } from '../../shared/nag';
import { type WorkflowOperations } from '../../shared/operations';
import { type IReviewBackend } from '../../shared/review-backend';
import { SecureBucket } from '../../shared/secure-bucket';
import { createAssistOperations } from './dashboard';
import { type RunFunctions, createModelWatchdog, createRunFunctions } from './handlers';
import { EVENTS_PER_IMAGE, EVENTS_PER_POLL, EVENTS_RESERVE, buildAssistDefinition } from './state-machine';

/** Step Functions keeps at most this many events in an execution's history. */
export const EXECUTION_HISTORY_LIMIT = 25_000;

/** Ground Truth bounding-box adjustment settings (review mode `ground-truth`, accounts that still have Ground Truth). */
export interface GroundTruthOptions {
  /** Private workteam ARN (the public workforce closed on 2026-09-30). */
  readonly workteamArn: string;
  /** Role Ground Truth assumes for the job (reads the images and the input manifest, writes the output). */
  readonly roleArn: string;
  /** Worker template (`crowd-bounding-box` with the proposals as initial values); see docs/custom-labels-assist.md. */
  readonly uiTemplateS3Uri: string;
  /** Built-in adjustment Lambdas' account of the deployment Region (`PRE-/ACS-AdjustmentBoundingBox`). */
  readonly builtInLambdaAccount: string;
}

/** Props of {@link CustomLabelsAssist}. */
export interface CustomLabelsAssistProps {
  /**
   * An existing Custom Labels project (`arn:…:rekognition:<region>:<account>:project/<name>/<timestamp>`).
   * @default a new project (`CfnProject`, retained with the stack's removal)
   */
  readonly projectArn?: string;
  /**
   * The images bucket (images under any prefix; the run keeps its files under `runs/`). The review portal's image store
   * when people review in the portal: the page may show only images of buckets its administrator configured.
   * @default a new `SecureBucket` with CORS `GET` for `imageOrigins`
   */
  readonly imagesBucket?: s3.IBucket;
  /**
   * Browser origins allowed to `GET` images of the new bucket (the review page, Ground Truth's worker portal).
   * @default none (no CORS rule)
   */
  readonly imageOrigins?: string[];
  /**
   * The review portal (mode `portal`): tasks are created through it and its results read back.
   * @default none: required unless `groundTruth` is given
   */
  readonly reviewBackend?: IReviewBackend;
  /** Ground Truth bounding-box adjustment instead of the portal. @default none (portal) */
  readonly groundTruth?: GroundTruthOptions;
  /** `MinInferenceUnits` when a run starts the model (1–10). @default 1 */
  readonly minInferenceUnits?: number;
  /** Default `MinConfidence` of `DetectCustomLabels` (0–100). @default 40 */
  readonly minConfidence?: number;
  /** Images per page (1–20; each page is one `ProposeBoxes` call and one state payload). @default 10 */
  readonly imagesPerPage?: number;
  /** Images per review task (1–20, dividing `imagesPerPage`). @default 1 */
  readonly imagesPerTask?: number;
  /** Images detected at once (1–10). @default 4 */
  readonly detectConcurrency?: number;
  /** Most images one run takes (bounded by the 25,000-event execution history). @default 1000 */
  readonly maxImagesPerRun?: number;
  /** How long the run waits for reviews before it goes on with what is done (1–30 days). @default 7 days */
  readonly reviewWait?: Duration;
  /** Time between two review checks (5 minutes – 24 hours). @default 30 minutes */
  readonly reviewPoll?: Duration;
  /** Time between two model, dataset and training checks. @default 1 minute (model, dataset), 10 minutes (training) */
  readonly modelPoll?: Duration;
  readonly trainingPoll?: Duration;
  /** A model running this long with no run using it is stopped by the watchdog (15–1440 minutes). @default 60 */
  readonly maxIdleMinutes?: number;
  /** Time between two watchdog checks (5–60 minutes). @default 15 minutes */
  readonly idleCheckInterval?: Duration;
  /** Alarm when the project's models ran this many inference-unit hours within 6 hours. @default 6 */
  readonly inferenceHoursAlarm?: number;
  /** Label attribute of the manifests the runs write. @default 'bounding-box' */
  readonly labelAttribute?: string;
  /** Topic for the workflow's alarms. @default a new topic */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * Rekognition Custom Labels model-assisted annotation with human verification: a Custom Labels object-detection model
 * proposes boxes on a folder of images; people accept, reject, relabel or draw boxes in the review portal (image tasks)
 * or a Ground Truth adjustment job; the verified images become a Custom Labels manifest added to the project's training
 * dataset; a new version may be trained and its F1 compared. The model runs only while it detects: a run stops the model
 * it started on every exit path, and a watchdog stops any model left running.
 */
export class CustomLabelsAssist extends Construct {
  /** The images bucket. */
  public readonly bucket: s3.IBucket;
  /** The Custom Labels project ARN. */
  public readonly projectArn: string;
  /** The project, when this construct created it. */
  public readonly project?: rekognition.CfnProject;
  /** The run's state machine (input: `AssistRequest` of lambdas/custom-labels-assist/contract.ts). */
  public readonly stateMachine: sfn.StateMachine;
  /** The run's functions. */
  public readonly functions: RunFunctions;
  /** The model watchdog. */
  public readonly watchdog: HandlerFunction;
  /** Dashboard and alarms. */
  public readonly operations: WorkflowOperations;

  constructor(scope: Construct, id: string, props: CustomLabelsAssistProps = {}) {
    super(scope, id);
    const settings = validate(this, props);
    const stack = Stack.of(this);
    if (!Token.isUnresolved(stack.region) && !(CUSTOM_LABELS_REGIONS as readonly string[]).includes(stack.region)) {
      Annotations.of(this).addWarningV2(
        'ml-workflows:customLabelsRegion',
        `Rekognition Custom Labels is not offered in ${stack.region}; deploy the Custom Labels assist stack in one of ${CUSTOM_LABELS_REGIONS.join(', ')}`,
      );
    }

    this.bucket =
      props.imagesBucket ??
      new SecureBucket(this, 'Images', {
        cors:
          (props.imageOrigins ?? []).length > 0
            ? [
                {
                  allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.HEAD],
                  allowedOrigins: props.imageOrigins!,
                  allowedHeaders: ['*'],
                  maxAge: 3600,
                },
              ]
            : undefined,
      });
    if (props.projectArn) {
      this.projectArn = props.projectArn;
    } else {
      this.project = new rekognition.CfnProject(this, 'Project', { projectName: `${stack.stackName}-assist` });
      this.project.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.projectArn = this.project.attrArn;
    }
    const projectName = props.projectArn
      ? /:project\/([^/]+)\//.exec(props.projectArn)![1]!
      : this.project!.projectName;
    const projectResources = stack.formatArn({
      service: 'rekognition',
      resource: 'project',
      resourceName: `${projectName}/*`,
    });

    this.functions = createRunFunctions(this, {
      bucket: this.bucket,
      projectArn: this.projectArn,
      minConfidence: settings.minConfidence,
      imagesPerPage: settings.imagesPerPage,
      imagesPerTask: settings.imagesPerTask,
      review: props.groundTruth ? 'ground-truth' : 'portal',
      labelAttribute: settings.labelAttribute,
      reviewBackend: props.groundTruth ? undefined : props.reviewBackend,
      datasetArns: stack.formatArn({
        service: 'rekognition',
        resource: 'project',
        resourceName: `${projectName}/dataset/*`,
      }),
    });
    const gt = props.groundTruth;
    const labelingJobArns = [
      stack.formatArn({ service: 'sagemaker', resource: 'labeling-job', resourceName: 'custom-labels-assist-*' }),
    ];
    // The states live in their own scope: their names are the task names the functions also use as ids.
    const definition = buildAssistDefinition(new Construct(this, 'Steps'), {
      functions: this.functions,
      rekognitionResources: [this.projectArn, projectResources],
      objectArns: {
        runs: this.bucket.arnForObjects(`${RUN_PREFIX}*`),
        usage: this.bucket.arnForObjects(`${MODEL_USAGE_PREFIX}*`),
      },
      minInferenceUnits: settings.minInferenceUnits,
      detectConcurrency: settings.detectConcurrency,
      maxImages: settings.maxImagesPerRun,
      modelPoll: props.modelPoll ?? Duration.minutes(1),
      reviewPoll: settings.reviewPoll,
      reviewWaitDays: settings.reviewWaitDays,
      datasetPoll: props.modelPoll ?? Duration.minutes(1),
      trainingPoll: props.trainingPoll ?? Duration.minutes(10),
      review: gt
        ? {
            roleArn: gt.roleArn,
            workteamArn: gt.workteamArn,
            uiTemplateS3Uri: gt.uiTemplateS3Uri,
            preHumanTaskLambdaArn: `arn:${Aws.PARTITION}:lambda:${Aws.REGION}:${gt.builtInLambdaAccount}:function:PRE-AdjustmentBoundingBox`,
            annotationConsolidationLambdaArn: `arn:${Aws.PARTITION}:lambda:${Aws.REGION}:${gt.builtInLambdaAccount}:function:ACS-AdjustmentBoundingBox`,
            labelAttributeName: settings.labelAttribute,
            labelingJobArns,
          }
        : 'portal',
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment:
        'Custom Labels assist: propose boxes, people verify them, update the training dataset, train and compare',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.days(settings.reviewWaitDays + 3),
      tracingEnabled: true,
      logs: {
        destination: new WorkflowLogGroup(this, 'StateMachineLogs'),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
    this.grantStateMachine(stack, projectResources, gt, labelingJobArns);

    // Reviews of the runs' tasks: the back end's completion events for task ids cla-….
    if (props.reviewBackend && !gt) {
      const pattern = props.reviewBackend.completionEventPattern;
      new events.Rule(this, 'ReviewCompleted', {
        description: 'Records finished reviews of Custom Labels assist tasks in their runs',
        eventPattern: {
          ...pattern,
          detail: { ...(pattern.detail ?? {}), humanLoopName: [{ prefix: TASK_ID_PREFIX }] },
        },
        targets: [functionTarget(this.functions.recordReview)],
      });
    }

    const executionArns = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.watchdog = createModelWatchdog(this, {
      bucket: this.bucket,
      projectArn: this.projectArn,
      projectResources,
      stateMachineArn: this.stateMachine.stateMachineArn,
      executionArns,
      maxIdleMinutes: settings.maxIdleMinutes,
      checkIntervalMinutes: settings.checkIntervalMinutes,
    });
    new events.Rule(this, 'IdleCheck', {
      description: 'Stops Custom Labels models left running with no run using them',
      schedule: events.Schedule.rate(Duration.minutes(settings.checkIntervalMinutes)),
      targets: [functionTarget(this.watchdog)],
    });
    new events.Rule(this, 'RunEnded', {
      description: 'Stops the model a Custom Labels assist run started when the run is aborted or times out',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [this.stateMachine.stateMachineArn], status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
      },
      targets: [functionTarget(this.watchdog)],
    });

    this.operations = createAssistOperations(this, {
      stateMachine: this.stateMachine,
      functions: this.functions,
      watchdog: this.watchdog,
      inferenceHoursAlarm: props.inferenceHoursAlarm ?? 6,
      alarmTopic: props.alarmTopic,
    });
  }

  private grantStateMachine(
    stack: Stack,
    projectResources: string,
    gt: GroundTruthOptions | undefined,
    labelingJobArns: string[],
  ): void {
    const role = this.stateMachine.role;
    // DetectCustomLabels, CreateDataset and CreateProjectVersion read the images (and the manifest) with the caller's
    // permissions; training writes its results under the run's folder.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects(`${RUN_PREFIX}*`)] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket', 's3:GetBucketLocation'],
        resources: [this.bucket.bucketArn],
      }),
    );
    if (this.bucket.encryptionKey) this.bucket.encryptionKey.grantEncryptDecrypt(role);
    if (gt) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['iam:PassRole'],
          resources: [gt.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['sagemaker:AddTags'], resources: labelingJobArns }),
      );
    }
    const resource = (value: string) => `AwsSolutions-IAM5[Resource::${nagResourceName(this, value)}]`;
    const objects = (pattern: string) =>
      `AwsSolutions-IAM5[Resource::${nagResourceNameIn(role, this.bucket, this.bucket.bucketArn)}/${pattern}]`;
    acknowledge(
      role,
      "Model versions, datasets and the run files are created at run time: Rekognition actions are limited to this project, S3 object actions to the images bucket (DetectCustomLabels, CreateDataset and training read images anywhere in it with the caller's permissions) and writes to runs/ and model-usage/.",
      resource(projectResources),
      objects('*'),
      objects(`${RUN_PREFIX}*`),
      objects(`${MODEL_USAGE_PREFIX}*`),
      ...(gt ? [resource(labelingJobArns[0]!)] : []),
    );
    acknowledge(
      role,
      'X-Ray tracing and CloudWatch Logs delivery (PutTraceSegments, logs:CreateLogDelivery and related) support no resource-level permissions.',
      'AwsSolutions-IAM5[Resource::*]',
    );
    const fns = Object.values(this.functions).filter((f): f is HandlerFunction => f !== undefined);
    acknowledge(
      role,
      "Step Functions invokes the run's functions by their ARN and any published version (CDK grant `<arn>:*`); the functions are this construct's own.",
      ...fns.map((f) => `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(f.node.defaultChild as never)}.Arn>:*]`),
    );
  }
}

/** The validation block: every prop range, with the fix. */
function validate(scope: Construct, props: CustomLabelsAssistProps) {
  validateRange(scope, 'minInferenceUnits', props.minInferenceUnits, 1, 10);
  validateRange(scope, 'minConfidence', props.minConfidence, 0, 100);
  validateRange(scope, 'imagesPerPage', props.imagesPerPage, 1, 20, ' images');
  validateRange(scope, 'imagesPerTask', props.imagesPerTask, 1, 20, ' images');
  validateRange(scope, 'detectConcurrency', props.detectConcurrency, 1, 10);
  validateRange(scope, 'maxImagesPerRun', props.maxImagesPerRun, 1, 2_000, ' images');
  validateRange(scope, 'reviewWait', props.reviewWait?.toDays(), 1, 30, ' days');
  validateRange(scope, 'reviewPoll', props.reviewPoll?.toMinutes(), 5, 1440, ' minutes');
  validateRange(scope, 'maxIdleMinutes', props.maxIdleMinutes, 15, 1440, ' minutes');
  validateRange(scope, 'idleCheckInterval', props.idleCheckInterval?.toMinutes(), 5, 60, ' minutes');
  validatePattern(
    scope,
    'projectArn',
    props.projectArn,
    /^arn:aws[a-z-]*:rekognition:[a-z0-9-]+:\d{12}:project\/[^/]+\/\d+$/,
    'must be a Custom Labels project ARN (arn:aws:rekognition:<region>:<account>:project/<name>/<timestamp>)',
  );
  validatePattern(
    scope,
    'labelAttribute',
    props.labelAttribute,
    /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,126}$/,
    'must be 1-127 letters, digits and single hyphens',
  );
  const imagesPerPage = props.imagesPerPage ?? 10;
  const imagesPerTask = props.imagesPerTask ?? 1;
  if (imagesPerPage % imagesPerTask !== 0) {
    throw new ConstructValidationError(
      scope,
      'imagesPerTask',
      imagesPerTask,
      `must divide imagesPerPage (${imagesPerPage}) so no task spans two pages`,
    );
  }
  if (!props.reviewBackend && !props.groundTruth) {
    throw new ConstructValidationError(
      scope,
      'reviewBackend',
      undefined,
      'give the review portal (reviewBackend), or groundTruth settings',
    );
  }
  const reviewWaitDays = props.reviewWait?.toDays() ?? 7;
  const reviewPoll = props.reviewPoll ?? Duration.minutes(30);
  const maxImagesPerRun = props.maxImagesPerRun ?? 1000;
  const polls = Math.ceil((reviewWaitDays * 1440) / reviewPoll.toMinutes());
  const events = maxImagesPerRun * EVENTS_PER_IMAGE + polls * EVENTS_PER_POLL + EVENTS_RESERVE;
  if (events > EXECUTION_HISTORY_LIMIT) {
    throw new ConstructValidationError(
      scope,
      'maxImagesPerRun',
      maxImagesPerRun,
      `with ${polls} review checks (reviewWait ${reviewWaitDays} days, reviewPoll ${reviewPoll.toMinutes()} minutes) a run may use ${events} of the ${EXECUTION_HISTORY_LIMIT} history events: take fewer images per run, or check reviews less often`,
    );
  }
  return {
    minInferenceUnits: props.minInferenceUnits ?? 1,
    minConfidence: props.minConfidence ?? DEFAULT_MIN_CONFIDENCE,
    imagesPerPage,
    imagesPerTask,
    detectConcurrency: props.detectConcurrency ?? 4,
    maxImagesPerRun,
    reviewWaitDays,
    reviewPoll,
    maxIdleMinutes: props.maxIdleMinutes ?? 60,
    checkIntervalMinutes: props.idleCheckInterval?.toMinutes() ?? 15,
    labelAttribute: props.labelAttribute ?? 'bounding-box',
  };
}
