import {
  Aws,
  CfnMapping,
  Duration,
  Stack,
  aws_cloudwatch as cloudwatch,
  aws_events as events,
  aws_events_targets as targets,
  aws_iam as iam,
  type aws_sns as sns,
  aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  AUTO_CONTINUE_STATUSES,
  AUTO_CONTINUE_TRIGGER,
  BUILT_IN_TASK_LAMBDA_MAPPING,
  DEFAULT_MAX_CHAIN_LENGTH,
  LABELING_CHAIN_METRICS,
  LABELING_CHAIN_SERVICE,
  LABELING_JOB_STATE_CHANGE,
  MAX_CHAIN_LENGTH_LIMIT,
} from '../../../lambdas/labeling-chain/contract';
import { ConstructValidationError, isUnresolved, validatePattern, validateRange } from '../../shared/errors';
import { FailureQueue } from '../../shared/failure-queue';
import { HandlerFunction } from '../../shared/handler-function';
import { WorkflowLogGroup } from '../../shared/logs';
import { serviceMetrics } from '../../shared/metrics';
import { acknowledge } from '../../shared/nag';
import { WorkflowOperations } from '../../shared/operations';
import { lambdaEntry } from '../../shared/paths';
import { buildLabelingChainDefinition } from './state-machine';

/** Step Functions keeps at most this many events in an execution's history. */
export const EXECUTION_HISTORY_LIMIT = 25_000;
/** Events one Wait → Describe → Choice round adds to the history. */
export const EVENTS_PER_POLL = 9;
/** Events kept free for planning, creating and failing (per execution). */
export const HISTORY_RESERVE = 1_000;
/** A labeling job runs at most 30 days. */
export const MAX_JOB_DURATION = Duration.days(30);
/** Default time between two `DescribeLabelingJob` calls. */
export const DEFAULT_POLL_INTERVAL = Duration.hours(1);

/**
 * The shortest poll interval (seconds) that keeps an execution of `maxChainLength` jobs of 30 days each within the
 * 25,000-event history limit.
 */
export function minimumPollIntervalSeconds(maxChainLength: number): number {
  return Math.ceil(
    (maxChainLength * MAX_JOB_DURATION.toSeconds() * EVENTS_PER_POLL) / (EXECUTION_HISTORY_LIMIT - HISTORY_RESERVE),
  );
}

/** Props of {@link LabelingJobChain}. */
export interface LabelingJobChainProps {
  /**
   * Jobs one execution may create (1–10). A request may ask for fewer.
   * @default 3
   */
  readonly maxChainLength?: number;
  /**
   * Time between two `DescribeLabelingJob` calls while a chained job runs (1 minute – 24 hours). It must keep
   * `maxChainLength` jobs of 30 days within the 25,000-event execution history.
   * @default 1 hour, or the shortest interval that fits the history when `maxChainLength` needs longer
   */
  readonly pollInterval?: Duration;
  /**
   * Start the chain automatically when a job tagged `ml-workflows:auto-chain=true` ends Stopped or Failed.
   * @default true
   */
  readonly autoContinue?: boolean;
  /**
   * IAM roles the state machine may pass to SageMaker (the parent's role, which the chained job reuses). Always
   * limited to `iam:PassedToService: sagemaker.amazonaws.com`.
   * @default every role of the stack's account (`arn:<partition>:iam::<account>:role/*`)
   */
  readonly passRoleArns?: string[];
  /**
   * Buckets whose every object the planner may read (imported manifests, input manifests of failed jobs).
   * @default none: only `…/manifests/output/output.manifest` objects (Ground Truth output manifests) of any bucket
   */
  readonly manifestBuckets?: string[];
  /**
   * KMS keys that encrypt manifests; the planner may decrypt with them through S3 only.
   * @default none (SSE-S3 buckets)
   */
  readonly manifestKmsKeyArns?: string[];
  /**
   * Topic for the workflow's alarms.
   * @default a new topic
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * Ground Truth job chaining: a Step Functions workflow that continues a stopped, failed, expired or partially labeled
 * SageMaker Ground Truth labeling job with a new job that sends only the objects still missing a label to workers
 * (same label attribute, the previous output manifest, the previous auto-labeling model), in series, until the data
 * is labeled or `maxChainLength` jobs were created. Optionally started automatically by EventBridge for opted-in jobs.
 */
export class LabelingJobChain extends Construct {
  /** The chain's state machine (input documented in docs/labeling-chain.md). */
  public readonly stateMachine: sfn.StateMachine;
  /** The planning function (manifest scan + next request). */
  public readonly planFunction: HandlerFunction;
  /** Region → account of the built-in Ground Truth task Lambdas, resolved at deploy time. */
  public readonly builtInLambdaAccounts: CfnMapping;
  /** The auto-continue rule (when `autoContinue`). */
  public readonly autoContinueRule?: events.Rule;
  /** Dead-letter queue of the auto-continue rule's target (when `autoContinue`). */
  public readonly autoContinueDeadLetterQueue?: FailureQueue;
  /** Dashboard and alarms. */
  public readonly operations: WorkflowOperations;

  constructor(scope: Construct, id: string, props: LabelingJobChainProps = {}) {
    super(scope, id);
    const maxChainLength = props.maxChainLength ?? DEFAULT_MAX_CHAIN_LENGTH;
    validateRange(this, 'maxChainLength', props.maxChainLength, 1, MAX_CHAIN_LENGTH_LIMIT, ' jobs');
    if (!Number.isInteger(maxChainLength))
      throw new ConstructValidationError(this, 'maxChainLength', maxChainLength, 'must be a whole number of jobs');
    const minimumPoll = minimumPollIntervalSeconds(maxChainLength);
    validateRange(this, 'pollInterval', props.pollInterval?.toSeconds(), 60, 86_400, ' seconds');
    if (
      props.pollInterval !== undefined &&
      !isUnresolved(props.pollInterval.toSeconds()) &&
      props.pollInterval.toSeconds() < minimumPoll
    ) {
      throw new ConstructValidationError(
        this,
        'pollInterval',
        props.pollInterval,
        `must be at least ${minimumPoll} seconds for maxChainLength ${maxChainLength}, or an execution can outgrow the ${EXECUTION_HISTORY_LIMIT}-event history`,
      );
    }
    for (const roleArn of props.passRoleArns ?? []) {
      validatePattern(
        this,
        'passRoleArns',
        roleArn,
        /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/,
        'each entry must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
      );
    }
    for (const bucket of props.manifestBuckets ?? []) {
      validatePattern(
        this,
        'manifestBuckets',
        bucket,
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        'each entry must be an S3 bucket name',
      );
    }
    for (const keyArn of props.manifestKmsKeyArns ?? []) {
      validatePattern(
        this,
        'manifestKmsKeyArns',
        keyArn,
        /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/,
        'each entry must be a KMS key ARN',
      );
    }
    const pollInterval =
      props.pollInterval ??
      Duration.seconds(Math.max(DEFAULT_POLL_INTERVAL.toSeconds(), Math.ceil(minimumPoll / 60) * 60));

    this.builtInLambdaAccounts = new CfnMapping(this, 'BuiltInTaskLambdaAccounts', {
      mapping: { ...BUILT_IN_TASK_LAMBDA_MAPPING },
    });

    this.planFunction = new HandlerFunction(this, 'PlanFunction', {
      entry: lambdaEntry('labeling-chain/plan-next-job.ts'),
      invocation: 'step-functions',
      serviceName: LABELING_CHAIN_SERVICE.PLANNER,
      description: 'Ground Truth chain: scans the manifest and plans the next labeling job',
      memorySize: 1024,
      timeout: Duration.minutes(15),
    });
    this.grantManifestReads(props);

    const stack = Stack.of(this);
    const labelingJobArns = [stack.formatArn({ service: 'sagemaker', resource: 'labeling-job', resourceName: '*' })];
    const definition = buildLabelingChainDefinition(this, {
      planFunction: this.planFunction,
      maxChainLength,
      pollInterval,
      builtInLambdaAccount: this.builtInLambdaAccounts.findInMap(Aws.REGION, 'account'),
      labelingJobArns,
    });
    const logGroup = new WorkflowLogGroup(this, 'StateMachineLogs');
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Ground Truth job chaining: continue a labeling job until its data is labeled',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.days(31 * maxChainLength + 1),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    // CreateLabelingJob with Tags also needs AddTags on the new job.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:AddTags'], resources: labelingJobArns }),
    );
    // The chained job runs with the parent's role, known only at run time: pass it to SageMaker and nothing else.
    const passRoleArns = props.passRoleArns ?? [
      stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: '*' }),
    ];
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: passRoleArns,
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    const role = this.stateMachine.role;
    acknowledge(
      role,
      'Labeling job names are chosen at run time (the parent by the caller, children by the planner): Describe/Create/AddTags are limited to labeling-job/* of this account and Region.',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:labeling-job/*]',
    );
    if (props.passRoleArns === undefined) {
      acknowledge(
        role,
        "A chained job reuses the parent job's role, which is known only at run time; iam:PassRole is limited to roles of this account and to iam:PassedToService sagemaker.amazonaws.com. Restrict it with labelingChain.passRoleArns.",
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*]',
      );
    }
    acknowledge(
      role,
      'X-Ray tracing and CloudWatch Logs delivery (PutTraceSegments, logs:CreateLogDelivery and related) support no resource-level permissions.',
      'AwsSolutions-IAM5[Resource::*]',
    );
    acknowledge(
      role,
      "Step Functions invokes the planning function by its ARN and any published version (CDK grant `<arn>:*`); the function is this construct's own.",
      `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.planFunction.node.defaultChild as never)}.Arn>:*]`,
    );

    if (props.autoContinue ?? true) {
      this.autoContinueDeadLetterQueue = new FailureQueue(this, 'AutoContinueDlq', {
        purpose: 'the dead-letter queue of the auto-continue rule',
      });
      this.autoContinueRule = new events.Rule(this, 'AutoContinue', {
        description:
          'Continue Ground Truth labeling jobs that stopped or failed (only jobs tagged ml-workflows:auto-chain=true are chained)',
        eventPattern: {
          source: ['aws.sagemaker'],
          detailType: [LABELING_JOB_STATE_CHANGE],
          detail: { LabelingJobStatus: [...AUTO_CONTINUE_STATUSES] },
        },
        targets: [
          new targets.SfnStateMachine(this.stateMachine, {
            input: events.RuleTargetInput.fromObject({
              jobArn: events.EventField.fromPath('$.resources[0]'),
              trigger: AUTO_CONTINUE_TRIGGER,
            }),
            retryAttempts: 4,
            maxEventAge: Duration.hours(6),
            deadLetterQueue: this.autoContinueDeadLetterQueue,
          }),
        ],
      });
    }

    this.operations = new WorkflowOperations(this, 'Operations', {
      title: 'Ground Truth job chaining',
      alarmTopic: props.alarmTopic,
    });
    this.operations.addStateMachine('Chain', this.stateMachine);
    this.operations.addFunction('PlanNextJob', this.planFunction);
    if (this.autoContinueDeadLetterQueue)
      this.operations.addDeadLetterQueue('AutoContinueDlq', this.autoContinueDeadLetterQueue);
    const plan = serviceMetrics(this.planFunction, LABELING_CHAIN_METRICS, { period: Duration.hours(1) });
    const metric = (metricName: (typeof LABELING_CHAIN_METRICS)[keyof typeof LABELING_CHAIN_METRICS], label: string) =>
      plan(metricName, { label });
    this.operations.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Chained jobs: objects sent to workers vs skipped',
        left: [
          metric(LABELING_CHAIN_METRICS.SENT_TO_WORKERS, 'sent to workers'),
          metric(LABELING_CHAIN_METRICS.SKIPPED, 'skipped (labeled already)'),
        ],
        right: [
          metric(LABELING_CHAIN_METRICS.JOBS_PLANNED, 'jobs planned'),
          metric(LABELING_CHAIN_METRICS.CHAINS_FINISHED, 'chains finished'),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Manifest lines scanned',
        left: [metric(LABELING_CHAIN_METRICS.LINES_SCANNED, 'lines')],
        width: 12,
      }),
    );
  }

  /** Read access of the planner: output manifests everywhere, plus whole configured buckets, plus their KMS keys. */
  private grantManifestReads(props: LabelingJobChainProps): void {
    const partition = Aws.PARTITION;
    this.planFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`arn:${partition}:s3:::*/manifests/output/output.manifest`],
      }),
    );
    acknowledge(
      this.planFunction.role!,
      'Ground Truth writes output manifests to <S3OutputPath>/<job-name>/manifests/output/output.manifest in buckets chosen per job; reads are limited to exactly those objects (s3:GetObject only).',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::*/manifests/output/output.manifest]',
    );
    const buckets = props.manifestBuckets ?? [];
    if (buckets.length > 0) {
      this.planFunction.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: buckets.map((b) => `arn:${partition}:s3:::${b}/*`),
        }),
      );
      acknowledge(
        this.planFunction.role!,
        'Configured manifest buckets (labelingChain.manifestBuckets) hold manifests under keys chosen by their users; read-only.',
        ...buckets.map((b) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${b}/*]`),
      );
    }
    const keys = props.manifestKmsKeyArns ?? [];
    if (keys.length > 0) {
      this.planFunction.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: keys,
          conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
        }),
      );
    }
  }
}
