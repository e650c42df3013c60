import * as path from 'node:path';
import {
  Duration,
  aws_iam as iam,
  aws_lambda as lambda,
  type aws_logs as logs,
  type aws_sqs as sqs,
} from 'aws-cdk-lib';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type Construct } from 'constructs';
import { HandlerBundler } from './bundler';
import { HOUSE_BUNDLING } from './bundling';
import { FailureQueue } from './failure-queue';
import { WorkflowLogGroup } from './logs';
import { METRICS_NAMESPACE } from './metrics';
import { acknowledge } from './nag';
import { REPO_ROOT } from './paths';

export { LOG_RETENTION_CONTEXT_KEY } from './logs';
export { METRICS_NAMESPACE } from './metrics';

/**
 * Environment variable that selects how handlers are bundled. Unset (the default): every handler of the app in one
 * esbuild build with a cache between synths (`lib/shared/bundler.ts`). `per-function`: `NodejsFunction`'s own
 * bundling, one esbuild process per function started through `npx` (what this project did before; the benchmark's
 * anchor).
 */
export const BUNDLING_MODE_ENV = 'MLW_BUNDLING';

/**
 * How the function is invoked. It decides the failure handling the house applies:
 * - `sync`: API Gateway or a direct call; the caller sees the error, no dead-letter queue.
 * - `async`: S3, EventBridge, SNS or another asynchronous invoke; failed events go to an encrypted dead-letter queue
 *   after Lambda's retries.
 * - `event-source`: Kinesis, DynamoDB Streams or SQS event source mapping; the mapping owns retries and its
 *   on-failure destination.
 * - `custom-resource`: a CloudFormation custom-resource handler behind the Provider framework, which reports failures
 *   to CloudFormation.
 * - `step-functions`: a Step Functions task; the state machine's Retry/Catch owns failures.
 */
export type InvocationMode = 'sync' | 'async' | 'event-source' | 'custom-resource' | 'step-functions';

/** Props of {@link HandlerFunction}. */
export interface HandlerFunctionProps extends Omit<
  NodejsFunctionProps,
  'entry' | 'handler' | 'runtime' | 'architecture' | 'logGroup' | 'tracing' | 'bundling' | 'role' | 'deadLetterQueue'
> {
  /** Absolute path of the handler file (use `lambdaEntry('<workflow>/<function>.ts')`). The export is `handler`. */
  readonly entry: string;
  /** How the function is invoked; decides its failure handling. */
  readonly invocation: InvocationMode;
  /**
   * Powertools service name (`POWERTOOLS_SERVICE_NAME`: the logs' `service` and the `service` dimension of every
   * metric the handler publishes). Take it from the workflow's contract (`<WORKFLOW>_SERVICE` in
   * `lambdas/<workflow>/contract.ts`), so dashboards and alarms name the same string.
   */
  readonly serviceName: string;
  /**
   * Log retention.
   * @default the app-wide `logRetentionDays` from configuration (context key `ml-workflows:logRetentionDays`), else one month
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Memory size in MiB.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Timeout.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Modules left out of the bundle (resolved from the Lambda runtime instead).
   * @default none: the AWS SDK is bundled, so tests and production run the same SDK version
   */
  readonly externalModules?: string[];
}

/**
 * The house Lambda function: Node.js 24 on arm64, an explicit log group with retention, X-Ray tracing, a minified ESM
 * bundle with the AWS SDK inside and its source map beside it (not loaded at start), an explicit entry path, a role
 * with no managed policies, and the failure handling that fits its invocation mode. Every handler of the app is
 * bundled in one esbuild build, with a cache between synths (`lib/shared/bundler.ts`).
 */
export class HandlerFunction extends NodejsFunction {
  /** Dead-letter queue for asynchronous invocations (only for `invocation: 'async'`). */
  public override readonly deadLetterQueue?: sqs.IQueue;
  /** Powertools service name: the `service` dimension of the metrics the handler publishes (see `lib/shared/metrics.ts`). */
  public readonly serviceName: string;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    const logGroup = new WorkflowLogGroup(scope, `${id}Logs`, { retention: props.logRetention });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    logGroup.grantWrite(role);
    const deadLetterQueue =
      props.invocation === 'async'
        ? new FailureQueue(scope, `${id}Dlq`, { purpose: `the dead-letter queue of ${id}` })
        : undefined;
    const serviceName = props.serviceName;
    const { externalModules, invocation: _invocation, serviceName: _s, logRetention: _l, ...rest } = props;
    const externals = externalModules ?? [];
    super(scope, id, {
      memorySize: 512,
      timeout: Duration.seconds(30),
      ...rest,
      entry: props.entry,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      logGroup,
      role,
      tracing: lambda.Tracing.ACTIVE,
      deadLetterQueue,
      // No NODE_OPTIONS=--enable-source-maps: Node reads and parses the source map of the whole bundle at import when it
      // is on (about 10–50 ms of CPU per cold start, docs/performance.md). The map ships beside the bundle
      // (index.mjs.map in the asset) to map a logged stack trace when one is needed.
      environment: {
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
      ...(process.env[BUNDLING_MODE_ENV] === 'per-function'
        ? perFunctionBundling(externals)
        : {
            code: HandlerBundler.code(scope, props.entry, externals),
            handler: 'index.handler',
          }),
    });
    this.deadLetterQueue = deadLetterQueue;
    this.serviceName = serviceName;

    acknowledge(
      role,
      'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions (Resource "*" is required by the service).',
      'AwsSolutions-IAM5[Resource::*]',
    );
    if (props.vpc) {
      acknowledge(
        role,
        'AWSLambdaVPCAccessExecutionRole is the AWS-maintained minimum for creating and deleting the function ENIs in the VPC.',
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      );
    }
    if (!deadLetterQueue) {
      acknowledge(
        this,
        noDlqReason(props.invocation),
        'Serverless-LambdaDLQ',
        'Serverless-LambdaAsyncFailureDestination',
      );
    }
  }

  /**
   * Set an environment variable and grant the permission it implies, in one step: no variable without its
   * permission.
   *
   * @example fn.bind(ENV.FEEDBACK_BUCKET, bucket.bucketName, (g) => bucket.grantRead(g))
   */
  public bind(name: string, value: string, grant: (grantee: iam.IGrantable) => unknown): this {
    this.addEnvironment(name, value);
    grant(this);
    return this;
  }
}

/** `NodejsFunction`'s own per-function bundling with the house settings (the `MLW_BUNDLING=per-function` anchor). */
function perFunctionBundling(externalModules: string[]): Partial<NodejsFunctionProps> {
  return {
    handler: 'handler',
    projectRoot: REPO_ROOT,
    depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
    bundling: {
      format: OutputFormat.ESM,
      target: HOUSE_BUNDLING.target,
      mainFields: [...HOUSE_BUNDLING.mainFields],
      minify: HOUSE_BUNDLING.minify,
      sourceMap: HOUSE_BUNDLING.sourcemap,
      sourcesContent: HOUSE_BUNDLING.sourcesContent,
      externalModules: [...HOUSE_BUNDLING.optionalExternals, ...externalModules],
      banner: HOUSE_BUNDLING.banner,
    },
  };
}

function noDlqReason(mode: InvocationMode): string {
  switch (mode) {
    case 'sync':
      return 'Invoked synchronously (API Gateway or a direct call): the caller receives the error; there is no asynchronous event to dead-letter.';
    case 'event-source':
      return 'Invoked by an event source mapping, whose bounded retries and on-failure destination own failed records.';
    case 'custom-resource':
      return 'CloudFormation custom-resource handler behind the Provider framework: failures are reported to CloudFormation, which rolls back.';
    case 'step-functions':
      return 'Invoked synchronously by a Step Functions task: Retry/Catch in the state machine own failures.';
    default:
      return 'Asynchronous invocations of this function have a dead-letter queue.';
  }
}
