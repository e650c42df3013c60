/**
 * The ClassifierRetraining construct. Longer than 400 lines because it is the one place that wires the workflow's
 * resources and their least-privilege grants (each with its reason); the state machine itself lives in
 * `state-machine.ts`, `deploy.ts` and `steps.ts`.
 */
import {
  Annotations,
  ArnFormat,
  Aws,
  Duration,
  RemovalPolicy,
  Size,
  Stack,
  aws_cloudwatch as cloudwatch,
  aws_comprehend as comprehend,
  aws_dynamodb as dynamodb,
  aws_iam as iam,
  type aws_kms as kms,
  aws_logs as logs,
  type aws_s3 as s3,
  aws_scheduler as scheduler,
  aws_scheduler_targets as schedulerTargets,
  type aws_sns as sns,
  aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  COMPREHEND_LIMITS,
  RT_DEFAULTS,
  CLASSIFIER_RETRAINING_ENV,
  RT_ERRORS,
  CLASSIFIER_RETRAINING_METRICS,
  CLASSIFIER_RETRAINING_SERVICE,
  RT_PREFIX,
  RUN_TABLE,
  type ApprovalMode,
  type RetrainingMode,
} from '../../../lambdas/classifier-retraining/contract';
import { ConstructValidationError, validatePattern, validateRange } from '../../shared/errors';
import { FailureQueue } from '../../shared/failure-queue';
import { grantObjects } from '../../shared/grants';
import { HandlerFunction } from '../../shared/handler-function';
import { WorkflowLogGroup } from '../../shared/logs';
import { METRICS_NAMESPACE, serviceMetrics } from '../../shared/metrics';
import { acknowledge } from '../../shared/nag';
import { WorkflowOperations } from '../../shared/operations';
import { lambdaEntry } from '../../shared/paths';
import { RUNBOOK } from '../../shared/runbook';
import { type RetrainingEndpoint } from './deploy';
import { RetrainingRunEnd } from './end-run';
import { buildRetrainingDefinition } from './state-machine';

export { type RetrainingEndpoint } from './deploy';

/** Comprehend names: letters, digits and single hyphens (`^[a-zA-Z0-9](-*[a-zA-Z0-9])*$`). */
const COMPREHEND_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;
const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/;

/** A Comprehend name from a loop classifier name (`_` and `.` become `-`, cut to `max`). */
export function comprehendNameOf(classifier: string, max: number): string {
  return classifier
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, max)
    .replace(/-$/, '');
}

/** Props of {@link ClassifierRetraining}. */
export interface ClassifierRetrainingProps {
  /** The loop's data bucket: reviewed data under `training-data/<classifier>/`; runs write under `retraining/`. */
  readonly dataBucket: s3.IBucket;
  /** The loop's classifier name (the `classifier` field of its requests). */
  readonly classifierName: string;
  /** Where the loop's endpoint comes from (the loop's classifier mode). */
  readonly endpoint: RetrainingEndpoint;
  /** @default false */
  readonly multiLabel?: boolean;
  /** @default 'en' */
  readonly languageCode?: string;
  /**
   * `versions`: one classifier name, a new `VersionName` per run, compared on a frozen test set. `flywheel`: a
   * Comprehend flywheel on a data lake in the data bucket; each run ingests the new rows and starts an iteration.
   * @default 'versions'
   */
  readonly mode?: RetrainingMode;
  /** @default 'manual' (a person approves the first promotions) */
  readonly approval?: ApprovalMode;
  /** `s3://…` of a Comprehend CSV merged under the reviewed rows (reviewed labels win). @default none */
  readonly baseTrainingDataUri?: string;
  /** `s3://…` of a frozen test set (`TestS3Uri`), so every version is scored on the same documents. @default none: Comprehend holds out 10–20 % */
  readonly testDataUri?: string;
  /** Reviewed rows needed since the last promoted model. @default 100 */
  readonly minNewRows?: number;
  /** The candidate's F1 must beat the current one by at least this (0–1). @default 0 */
  readonly minImprovement?: number;
  /** The candidate's F1 must be at least this (0–1). @default 0 */
  readonly minF1?: number;
  /** Newest model versions always kept. @default 3 */
  readonly keepVersions?: number;
  /** Inference units of an endpoint the workflow creates (1–10). @default 1 */
  readonly inferenceUnits?: number;
  /**
   * EventBridge Scheduler expression that starts a run (`rate(7 days)`, `cron(0 3 ? * MON *)`), or `off`.
   * @default 'rate(7 days)'
   */
  readonly schedule?: string;
  /** Encrypts the training volume. @default Comprehend's own encryption */
  readonly volumeKmsKey?: kms.IKey;
  /** Encrypts the trained models. @default Comprehend's own encryption */
  readonly modelKmsKey?: kms.IKey;
  /** Time between two `DescribeDocumentClassifier` (or iteration) calls. @default 10 minutes */
  readonly trainingPollInterval?: Duration;
  /** Time between two `DescribeEndpoint` calls. @default 1 minute */
  readonly endpointPollInterval?: Duration;
  /** A run that takes longer times out and alarms (runs stuck past a bound). @default 2 days */
  readonly maxRunDuration?: Duration;
  /** Tags of the models and endpoints the workflow creates. @default `ml-workflows:workflow=classifier-retraining` */
  readonly tags?: Record<string, string>;
  /** Topic for the workflow's alarms. @default a new topic */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * Closes the active-learning loop: reviewed answers become a better Comprehend model behind the same endpoint. A Step
 * Functions workflow (on a schedule, or `mlw retrain start`) prepares the training data (merge, duplicates, checks,
 * class minimums), trains a new version (or runs a flywheel iteration), compares it with the current model, and
 * updates the live endpoint — automatically or after `mlw retrain approve` — then deletes old unused versions and
 * sends an `ml-workflows.retraining` event. One run per classifier at a time (a lock in the run table).
 */
export class ClassifierRetraining extends Construct {
  /** The workflow (input documented in docs/classifier-retraining.md). */
  public readonly stateMachine: sfn.StateMachine;
  /** The lock, the promoted model and the ingested datasets (partition `classifier`, sort `item`). */
  public readonly runTable: dynamodb.Table;
  public readonly prepareFunction: HandlerFunction;
  public readonly evaluateFunction: HandlerFunction;
  public readonly cleanUpFunction: HandlerFunction;
  /** The role Comprehend reads training data and writes output with. */
  public readonly dataAccessRole: iam.Role;
  /** The flywheel (flywheel mode). */
  public readonly flywheel?: comprehend.CfnFlywheel;
  /** The schedule (unless `off`). */
  public readonly schedule?: scheduler.Schedule;
  /** Dead-letter queue of the schedule's target (unless `off`). */
  public readonly scheduleDeadLetterQueue?: FailureQueue;
  /** Comprehend `DocumentClassifierName` of every version. */
  public readonly comprehendName: string;
  /** Dashboard and alarms. */
  public readonly operations: WorkflowOperations;
  /** Stops the training of, unlocks and announces runs that failed, timed out or were aborted. */
  public readonly runEnd: RetrainingRunEnd;

  constructor(scope: Construct, id: string, props: ClassifierRetrainingProps) {
    super(scope, id);
    const mode = props.mode ?? 'versions';
    const multiLabel = props.multiLabel ?? false;
    const inferenceUnits = props.inferenceUnits ?? RT_DEFAULTS.INFERENCE_UNITS;
    const schedule = props.schedule ?? 'rate(7 days)';
    const trainingPollInterval = props.trainingPollInterval ?? Duration.minutes(10);
    const endpointPollInterval = props.endpointPollInterval ?? Duration.minutes(1);
    const maxRunDuration = props.maxRunDuration ?? Duration.days(2);
    this.validate(props, schedule, trainingPollInterval, endpointPollInterval, maxRunDuration);
    this.comprehendName = comprehendNameOf(props.classifierName, 63);
    const endpointName = comprehendNameOf(props.classifierName, 40);
    if (props.endpoint.source === 'cloudformation') {
      Annotations.of(this).addWarning(
        "The loop's endpoint is owned by its CloudFormation stack (activeLearning.classifier.mode=create): runs stop before training with EndpointOwnedByCloudFormation. Use activeLearning.classifier.mode=ssm-parameter to let retraining update the endpoint.",
      );
    }
    const stack = Stack.of(this);
    const tags = { 'ml-workflows:workflow': 'classifier-retraining', ...props.tags };
    const reviewedPrefix = `training-data/${props.classifierName}/`;

    this.runTable = new dynamodb.Table(this, 'Runs', {
      partitionKey: { name: RUN_TABLE.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: RUN_TABLE.SORT_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- functions -----------------------------------------------------------------------------------------------
    this.prepareFunction = new HandlerFunction(this, 'PrepareFunction', {
      entry: lambdaEntry('classifier-retraining/prepare.ts'),
      invocation: 'step-functions',
      serviceName: CLASSIFIER_RETRAINING_SERVICE.PREPARE,
      description: 'Classifier retraining: merges, checks and counts the training data; writes the training file',
      memorySize: 2048,
      timeout: Duration.minutes(15),
      // The training file is written to /tmp before one streamed PutObject (Comprehend accepts up to 5 GB).
      ephemeralStorageSize: Size.gibibytes(6),
      environment: {
        [CLASSIFIER_RETRAINING_ENV.MULTI_LABEL]: String(multiLabel),
        [CLASSIFIER_RETRAINING_ENV.MIN_NEW_ROWS]: String(props.minNewRows ?? RT_DEFAULTS.MIN_NEW_ROWS),
        [CLASSIFIER_RETRAINING_ENV.MODE]: mode,
        [CLASSIFIER_RETRAINING_ENV.REVIEWED_PREFIX]: reviewedPrefix,
      },
    });
    this.prepareFunction.bind(CLASSIFIER_RETRAINING_ENV.DATA_BUCKET, props.dataBucket.bucketName, (g) => {
      grantObjects(props.dataBucket, g, 'read', `${reviewedPrefix}*`, true);
      grantObjects(props.dataBucket, g, 'readWrite', `${RT_PREFIX.RUNS}*`);
    });
    if (props.baseTrainingDataUri) {
      this.prepareFunction.bind(CLASSIFIER_RETRAINING_ENV.BASE_TRAINING_DATA_URI, props.baseTrainingDataUri, (g) =>
        grantS3Uri(g, props.baseTrainingDataUri!),
      );
    }
    this.evaluateFunction = new HandlerFunction(this, 'EvaluateFunction', {
      entry: lambdaEntry('classifier-retraining/evaluate.ts'),
      invocation: 'step-functions',
      serviceName: CLASSIFIER_RETRAINING_SERVICE.EVALUATE,
      description: 'Classifier retraining: compares the candidate with the current model, writes the run summary',
      environment: {
        [CLASSIFIER_RETRAINING_ENV.MULTI_LABEL]: String(multiLabel),
        [CLASSIFIER_RETRAINING_ENV.MIN_IMPROVEMENT]: String(props.minImprovement ?? RT_DEFAULTS.MIN_IMPROVEMENT),
        [CLASSIFIER_RETRAINING_ENV.MIN_F1]: String(props.minF1 ?? RT_DEFAULTS.MIN_F1),
        [CLASSIFIER_RETRAINING_ENV.APPROVAL]: props.approval ?? 'manual',
      },
    });
    this.evaluateFunction.bind(CLASSIFIER_RETRAINING_ENV.DATA_BUCKET, props.dataBucket.bucketName, (g) =>
      grantObjects(props.dataBucket, g, 'write', `${RT_PREFIX.RUNS}*`),
    );
    this.cleanUpFunction = new HandlerFunction(this, 'CleanUpFunction', {
      entry: lambdaEntry('classifier-retraining/clean-up.ts'),
      invocation: 'step-functions',
      serviceName: CLASSIFIER_RETRAINING_SERVICE.CLEAN_UP,
      description: 'Classifier retraining: deletes old model versions no endpoint uses',
      timeout: Duration.minutes(5),
      environment: {
        [CLASSIFIER_RETRAINING_ENV.COMPREHEND_CLASSIFIER_NAME]: this.comprehendName,
        [CLASSIFIER_RETRAINING_ENV.KEEP_VERSIONS]: String(props.keepVersions ?? RT_DEFAULTS.KEEP_VERSIONS),
      },
    });
    const versionArns = [
      stack.formatArn({ service: 'comprehend', resource: 'document-classifier', resourceName: this.comprehendName }),
      stack.formatArn({
        service: 'comprehend',
        resource: 'document-classifier',
        resourceName: `${this.comprehendName}/version/*`,
      }),
    ];
    this.cleanUpFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['comprehend:DeleteDocumentClassifier'], resources: versionArns }),
    );
    // List operations have no resource-level permissions in Comprehend.
    this.cleanUpFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['comprehend:ListDocumentClassifiers', 'comprehend:ListEndpoints'],
        resources: ['*'],
      }),
    );
    acknowledge(
      this.cleanUpFunction.role!,
      `ListDocumentClassifiers and ListEndpoints support no resource-level permissions (Resource "*"); DeleteDocumentClassifier is limited to the versions of ${this.comprehendName}, whose names are run ids.`,
      'AwsSolutions-IAM5[Resource::*]',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:comprehend:<AWS::Region>:<AWS::AccountId>:document-classifier/${this.comprehendName}/version/*]`,
    );

    // ---- Comprehend's data access role ---------------------------------------------------------------------------
    this.dataAccessRole = new iam.Role(this, 'DataAccessRole', {
      assumedBy: new iam.ServicePrincipal('comprehend.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'Comprehend reads retraining data and writes model output with this role',
    });
    grantObjects(props.dataBucket, this.dataAccessRole, 'readWrite', `${RT_PREFIX.RUNS}*`, true);
    if (props.testDataUri) grantS3Uri(this.dataAccessRole, props.testDataUri);
    for (const key of [props.volumeKmsKey, props.modelKmsKey]) {
      key?.grant(this.dataAccessRole, 'kms:CreateGrant', 'kms:Decrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey');
    }
    if (props.volumeKmsKey || props.modelKmsKey)
      acknowledge(
        this.dataAccessRole,
        "Comprehend encrypts the training volume and the model with the configured keys only: GenerateDataKey* is GenerateDataKey and GenerateDataKeyWithoutPlaintext on those keys (Comprehend Developer Guide, 'KMS encryption in Amazon Comprehend').",
        'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      );

    // ---- flywheel ------------------------------------------------------------------------------------------------
    if (mode === 'flywheel') {
      this.flywheel = new comprehend.CfnFlywheel(this, 'Flywheel', {
        // A flywheel needs a name (CloudFormation requires it); one per classifier and stack.
        flywheelName: comprehendNameOf(`${props.classifierName}-${this.node.addr.slice(0, 8)}`, 63),
        dataAccessRoleArn: this.dataAccessRole.roleArn,
        dataLakeS3Uri: `s3://${props.dataBucket.bucketName}/${RT_PREFIX.FLYWHEEL_DATA_LAKE}${props.classifierName}/`,
        modelType: 'DOCUMENT_CLASSIFIER',
        taskConfig: {
          languageCode: props.languageCode ?? 'en',
          documentClassificationConfig: { mode: multiLabel ? 'MULTI_LABEL' : 'MULTI_CLASS' },
        },
        dataSecurityConfig:
          props.volumeKmsKey || props.modelKmsKey
            ? { volumeKmsKeyId: props.volumeKmsKey?.keyArn, modelKmsKeyId: props.modelKmsKey?.keyArn }
            : undefined,
        tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      });
      this.flywheel.node.addDependency(this.dataAccessRole);
    }

    // ---- state machine -------------------------------------------------------------------------------------------
    const endpointArns =
      props.endpoint.source === 'endpoint-arn'
        ? [props.endpoint.endpointArn]
        : [stack.formatArn({ service: 'comprehend', resource: 'document-classifier-endpoint', resourceName: '*' })];
    const flywheelArn = this.flywheel?.attrArn;
    const modelArns = [
      stack.formatArn({ service: 'comprehend', resource: 'document-classifier', resourceName: '*' }),
      ...(flywheelArn ? [flywheelArn] : []),
    ];
    const executionArns = [
      stack.formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ];
    const definition = buildRetrainingDefinition(this, {
      mode,
      approval: props.approval ?? 'manual',
      classifier: props.classifierName,
      comprehendName: this.comprehendName,
      multiLabel,
      languageCode: props.languageCode ?? 'en',
      table: this.runTable,
      prepareFunction: this.prepareFunction,
      evaluateFunction: this.evaluateFunction,
      cleanUpFunction: this.cleanUpFunction,
      dataBucketName: props.dataBucket.bucketName,
      dataAccessRoleArn: this.dataAccessRole.roleArn,
      testDataUri: props.testDataUri,
      volumeKmsKeyId: props.volumeKmsKey?.keyArn,
      modelKmsKeyId: props.modelKmsKey?.keyArn,
      flywheelArn,
      endpoint: props.endpoint,
      endpointName,
      inferenceUnits,
      trainingPollInterval,
      endpointPollInterval,
      tags,
      resources: {
        versions: versionArns,
        models: modelArns,
        endpoints: endpointArns,
        datasets: flywheelArn ? [`${flywheelArn}/dataset/*`] : [],
        executions: executionArns,
      },
    });
    const logGroup = new WorkflowLogGroup(this, 'StateMachineLogs');
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: `Classifier retraining of "${props.classifierName}" (${mode})`,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: maxRunDuration,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    this.grantStateMachine(props, versionArns, endpointArns);

    // ---- schedule ------------------------------------------------------------------------------------------------
    if (schedule !== 'off') {
      this.scheduleDeadLetterQueue = new FailureQueue(this, 'ScheduleDlq', {
        purpose: 'the dead-letter queue of the retraining schedule',
      });
      this.schedule = new scheduler.Schedule(this, 'Schedule', {
        description: `Starts a retraining run of classifier "${props.classifierName}"`,
        schedule: scheduler.ScheduleExpression.expression(schedule),
        target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
          input: scheduler.ScheduleTargetInput.fromObject({ action: 'start', trigger: 'schedule' }),
          deadLetterQueue: this.scheduleDeadLetterQueue,
          retryAttempts: 4,
          maxEventAge: Duration.hours(6),
        }),
      });
    }

    // ---- operations ----------------------------------------------------------------------------------------------
    this.operations = new WorkflowOperations(this, 'Operations', {
      title: `Classifier retraining (${props.classifierName})`,
      alarmTopic: props.alarmTopic,
    });
    this.createOperations(logGroup, maxRunDuration);
    this.runEnd = new RetrainingRunEnd(this, 'RunEnd', {
      stateMachine: this.stateMachine,
      runTable: this.runTable,
      classifierName: props.classifierName,
      comprehendName: this.comprehendName,
      mode,
      operations: this.operations,
    });
  }

  private validate(
    props: ClassifierRetrainingProps,
    schedule: string,
    trainingPoll: Duration,
    endpointPoll: Duration,
    maxRun: Duration,
  ): void {
    validatePattern(
      this,
      'classifierName',
      props.classifierName,
      /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
      'must be 1-63 letters, digits, "_", "." or "-"',
    );
    if (
      comprehendNameOf(props.classifierName, 63) === '' ||
      !COMPREHEND_NAME.test(comprehendNameOf(props.classifierName, 63))
    )
      throw new ConstructValidationError(
        this,
        'classifierName',
        props.classifierName,
        'needs at least one letter or digit',
      );
    validateRange(this, 'minNewRows', props.minNewRows, 0, COMPREHEND_LIMITS.MAX_DOCUMENTS);
    validateRange(this, 'minImprovement', props.minImprovement, 0, 1);
    validateRange(this, 'minF1', props.minF1, 0, 1);
    validateRange(this, 'keepVersions', props.keepVersions, 1, 100);
    validateRange(this, 'inferenceUnits', props.inferenceUnits, 1, 10);
    validateRange(this, 'trainingPollInterval', trainingPoll.toSeconds(), 60, 3600, ' seconds');
    validateRange(this, 'endpointPollInterval', endpointPoll.toSeconds(), 10, 900, ' seconds');
    validateRange(this, 'maxRunDuration', maxRun.toSeconds(), 3600, 365 * 86_400, ' seconds');
    // A run must fit the 25,000-event history: about 5 events per poll.
    if (maxRun.toSeconds() / trainingPoll.toSeconds() > 4000)
      throw new ConstructValidationError(
        this,
        'trainingPollInterval',
        trainingPoll,
        `is too short for maxRunDuration ${maxRun.toHumanString()}: an execution would outgrow its 25,000-event history (at most 4,000 polls)`,
      );
    for (const [prop, uri] of [
      ['baseTrainingDataUri', props.baseTrainingDataUri],
      ['testDataUri', props.testDataUri],
    ] as const) {
      validatePattern(this, prop, uri, S3_URI, 'must be s3://bucket/key of a Comprehend CSV file');
    }
    if (schedule !== 'off' && !/^(rate|cron|at)\(.+\)$/.test(schedule))
      throw new ConstructValidationError(
        this,
        'schedule',
        schedule,
        'must be an EventBridge Scheduler expression (rate(7 days), cron(0 3 ? * MON *)) or off',
      );
    if (props.multiLabel && props.mode === 'flywheel' && props.testDataUri)
      Annotations.of(this).addInfo(
        'testDataUri is not used in flywheel mode: the flywheel keeps its own test datasets.',
      );
  }

  private grantStateMachine(props: ClassifierRetrainingProps, versionArns: string[], endpointArns: string[]): void {
    const sm = this.stateMachine;
    // CreateDocumentClassifier and CreateEndpoint with Tags also tag the new resource.
    sm.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['comprehend:TagResource'],
        resources: [...versionArns, ...endpointArns, ...(this.flywheel ? [`${this.flywheel.attrArn}/dataset/*`] : [])],
      }),
    );
    sm.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.dataAccessRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'comprehend.amazonaws.com' } },
      }),
    );
    for (const key of [props.volumeKmsKey, props.modelKmsKey]) key?.grant(sm, 'kms:CreateGrant', 'kms:DescribeKey');
    const role = sm.role;
    const stack = Stack.of(this);
    acknowledge(
      role,
      `Model versions are named by run ids at run time: Create/Describe/Tag are limited to versions of ${this.comprehendName}.`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:comprehend:<AWS::Region>:<AWS::AccountId>:document-classifier/${this.comprehendName}/version/*]`,
    );
    acknowledge(
      role,
      "The endpoint's current model (created by anyone, e.g. the first model trained by hand) and rollback targets are known only at run time: DescribeDocumentClassifier, UpdateEndpoint and CreateEndpoint may name any classifier model of this account and Region.",
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:comprehend:<AWS::Region>:<AWS::AccountId>:document-classifier/*]',
    );
    if (props.endpoint.source !== 'endpoint-arn') {
      acknowledge(
        role,
        "The loop's endpoint ARN is read from its SSM parameter at run time (or created by the first promotion): endpoint actions may name any classifier endpoint of this account and Region.",
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:comprehend:<AWS::Region>:<AWS::AccountId>:document-classifier-endpoint/*]',
      );
    }
    acknowledge(
      role,
      "DescribeExecution reads the status of the execution holding the run lock (this state machine's own, whose ARN cannot be named in its own role without a dependency cycle): read-only, executions of this account and Region.",
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:*]',
    );
    if (this.flywheel) {
      acknowledge(
        role,
        'Flywheel datasets are named by run ids at run time: CreateDataset, DescribeDataset and TagResource are limited to datasets of this flywheel.',
        `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.flywheel)}.Arn>/dataset/*]`,
      );
    }
    acknowledge(
      role,
      'X-Ray tracing and CloudWatch Logs delivery (PutTraceSegments, logs:CreateLogDelivery and related) support no resource-level permissions.',
      'AwsSolutions-IAM5[Resource::*]',
    );
    for (const fn of [this.prepareFunction, this.evaluateFunction, this.cleanUpFunction]) {
      acknowledge(
        role,
        "Step Functions invokes the workflow's functions by their ARN and any published version (CDK grant `<arn>:*`).",
        `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as never)}.Arn>:*]`,
      );
    }
  }

  private createOperations(logGroup: logs.ILogGroup, maxRunDuration: Duration): void {
    const ops = this.operations;
    ops.addStateMachine('Retraining', this.stateMachine);
    ops.addThresholdAlarm('RunStuckAlarm', {
      metric: this.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
      description: `A retraining run took longer than ${maxRunDuration.toHumanString()} and timed out (training or an endpoint update never finished): its lock is taken over by the next run.`,
      runbook: RUNBOOK.RETRAINING_RUN_STUCK,
    });
    // Executions that end in EndpointUpdateFailed, counted from the state machine's own log.
    const filter = new logs.MetricFilter(this, 'EndpointUpdateFailures', {
      logGroup,
      filterPattern: logs.FilterPattern.all(
        logs.FilterPattern.stringValue('$.type', '=', 'ExecutionFailed'),
        logs.FilterPattern.stringValue('$.details.error', '=', RT_ERRORS.ENDPOINT_UPDATE_FAILED),
      ),
      metricNamespace: METRICS_NAMESPACE,
      metricName: CLASSIFIER_RETRAINING_METRICS.ENDPOINT_UPDATE_FAILURES,
      metricValue: '1',
    });
    ops.addThresholdAlarm('EndpointUpdateFailedAlarm', {
      metric: filter.metric({ period: Duration.minutes(5), statistic: 'Sum' }),
      description:
        'A retraining run could not put the promoted model behind the endpoint (failed, busy for over an hour, or in service with another model): the endpoint still serves the previous model.',
      runbook: RUNBOOK.ENDPOINT_UPDATE_FAILED,
    });
    ops.addFunction('PrepareTrainingData', this.prepareFunction);
    ops.addFunction('EvaluateCandidate', this.evaluateFunction);
    ops.addFunction('CleanUpVersions', this.cleanUpFunction);
    if (this.scheduleDeadLetterQueue) ops.addDeadLetterQueue('ScheduleDlq', this.scheduleDeadLetterQueue);
    const prepare = serviceMetrics(this.prepareFunction, CLASSIFIER_RETRAINING_METRICS, { period: Duration.days(1) });
    const evaluate = serviceMetrics(this.evaluateFunction, CLASSIFIER_RETRAINING_METRICS, { period: Duration.days(1) });
    ops.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Candidate vs current F1 (micro F1 for multi-label)',
        left: [
          evaluate(CLASSIFIER_RETRAINING_METRICS.CANDIDATE_F1, { statistic: 'Maximum', label: 'candidate' }),
          evaluate(CLASSIFIER_RETRAINING_METRICS.CURRENT_F1, { statistic: 'Maximum', label: 'current' }),
        ],
        right: [
          evaluate(CLASSIFIER_RETRAINING_METRICS.PROMOTE_DECISIONS, { label: 'promote or await approval' }),
          evaluate(CLASSIFIER_RETRAINING_METRICS.KEEP_DECISIONS, { label: 'keep current' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Training data per run',
        left: [
          prepare(CLASSIFIER_RETRAINING_METRICS.REVIEWED_ROWS, { statistic: 'Maximum', label: 'reviewed rows' }),
          prepare(CLASSIFIER_RETRAINING_METRICS.NEW_ROWS, {
            statistic: 'Maximum',
            label: 'new since the promoted model',
          }),
          prepare(CLASSIFIER_RETRAINING_METRICS.BASE_ROWS, { statistic: 'Maximum', label: 'base rows' }),
        ],
        right: [
          prepare(CLASSIFIER_RETRAINING_METRICS.REJECTED_ROWS, { label: 'rejected' }),
          prepare(CLASSIFIER_RETRAINING_METRICS.DUPLICATE_ROWS, { label: 'duplicates' }),
          prepare(CLASSIFIER_RETRAINING_METRICS.NOT_ENOUGH_DATA, { label: 'runs with not enough data' }),
        ],
        width: 12,
      }),
    );
  }
}

/** Grant read access to one `s3://bucket/key` object of another bucket (a base set, a test set). */
function grantS3Uri(grantee: iam.IGrantable, uri: string): void {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) return;
  const arn = `arn:${Aws.PARTITION}:s3:::${match[1]}/${match[2]}`;
  iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject', 's3:GetObjectVersion'], resourceArns: [arn] });
}
