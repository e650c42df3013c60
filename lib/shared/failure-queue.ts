import { Duration, aws_sqs as sqs } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { acknowledge } from './nag';

/** Props of {@link FailureQueue}. */
export interface FailureQueueProps {
  /**
   * What the queue holds, completing "This queue is …", e.g. `the dead-letter queue of InspectUpload` or `the
   * on-failure destination of the result publisher`. It lands in the cdk-nag acknowledgment.
   */
  readonly purpose: string;
}

/**
 * The house queue for events and records that failed every retry (a function's dead-letter queue, an event source
 * mapping's on-failure destination, an EventBridge target's dead-letter queue): SQS-managed encryption, TLS only,
 * kept 14 days (the SQS maximum). It is the end of the line, so it has no redrive policy of its own. Watch it with
 * `WorkflowOperations.addDeadLetterQueue`.
 */
export class FailureQueue extends sqs.Queue {
  constructor(scope: Construct, id: string, props: FailureQueueProps) {
    super(scope, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this,
      `This queue is ${props.purpose}; it has no further redrive.`,
      'AwsSolutions-SQS3',
      'Serverless-SQSRedrivePolicy',
    );
  }
}
