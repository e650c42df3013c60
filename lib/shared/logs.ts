import { RemovalPolicy, aws_logs as logs } from 'aws-cdk-lib';
import { type Construct } from 'constructs';

/** Construct-tree context key holding the log retention (days) of every log group the app creates. */
export const LOG_RETENTION_CONTEXT_KEY = 'ml-workflows:logRetentionDays';

/**
 * The configured log retention: the app-wide `logRetentionDays` (set on the app by `buildApp` under
 * {@link LOG_RETENTION_CONTEXT_KEY}), else one month (a construct used outside the app).
 */
export function configuredLogRetention(scope: Construct): logs.RetentionDays {
  const days: unknown = scope.node.tryGetContext(LOG_RETENTION_CONTEXT_KEY);
  return typeof days === 'number' ? days : logs.RetentionDays.ONE_MONTH;
}

/** Props of {@link WorkflowLogGroup}. */
export interface WorkflowLogGroupProps {
  /**
   * Retention of the log events.
   * @default the configured `logRetentionDays` ({@link configuredLogRetention})
   */
  readonly retention?: logs.RetentionDays;
}

/**
 * A log group with the house settings: the configured retention and removal with the stack (logs are operational
 * data; `cdk destroy` leaves only data buckets behind). Every log group of the app is one of these: function logs,
 * API access logs, Firehose and state-machine logs, custom-resource provider logs.
 */
export class WorkflowLogGroup extends logs.LogGroup {
  constructor(scope: Construct, id: string, props: WorkflowLogGroupProps = {}) {
    super(scope, id, {
      retention: props.retention ?? configuredLogRetention(scope),
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
