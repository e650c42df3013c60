import {
  Duration,
  type aws_dynamodb as dynamodb,
  type aws_events as events,
  aws_lambda as lambda,
  aws_lambda_event_sources as sources,
  type aws_s3 as s3,
} from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { REVIEW_PORTAL_ENV as ENV, REVIEW_PORTAL_SERVICE } from '../../../lambdas/review-portal/contract';
import { FailureQueue } from '../../shared/failure-queue';
import { grantObjects } from '../../shared/grants';
import { HandlerFunction } from '../../shared/handler-function';
import { acknowledge } from '../../shared/nag';
import { lambdaEntry } from '../../shared/paths';

/** Props of {@link createPublisher}. */
export interface PublisherProps {
  readonly table: dynamodb.ITable;
  readonly outputBucket: s3.IBucket;
  readonly outputPrefix: string;
  readonly portalName: string;
  readonly portalId: string;
  readonly eventBus: events.IEventBus;
}

/** The result publisher and its on-failure queue. */
export interface Publisher {
  /** `PublishResults`: writes output.json and sends the completion event. */
  readonly fn: HandlerFunction;
  /** `PublishFailures`: stream records the publisher could not handle after its retries. */
  readonly failures: FailureQueue;
}

/**
 * Results: the task-table stream (filtered to OPEN → COMPLETED) → A2I-shaped `output.json` under the output prefix
 * and a completion event on the bus; bisecting, 8 retries, partial batch failures, then the on-failure queue.
 */
export function createPublisher(scope: Construct, props: PublisherProps): Publisher {
  const failures = new FailureQueue(scope, 'PublishFailures', {
    purpose: 'the on-failure destination of the result publisher',
  });
  const fn = new HandlerFunction(scope, 'PublishResults', {
    entry: lambdaEntry('review-portal/publish-results.ts'),
    invocation: 'event-source',
    serviceName: REVIEW_PORTAL_SERVICE.PORTAL,
    description: 'Review portal: writes completed tasks as A2I-shaped output.json and publishes completion events',
    timeout: Duration.seconds(60),
    environment: {
      [ENV.TASK_TABLE]: props.table.tableName,
      [ENV.OUTPUT_PREFIX]: props.outputPrefix,
      [ENV.PORTAL_NAME]: props.portalName,
      [ENV.PORTAL_ID]: props.portalId,
    },
  })
    .bind(ENV.OUTPUT_BUCKET, props.outputBucket.bucketName, (g) =>
      grantObjects(props.outputBucket, g, 'write', `${props.outputPrefix}*`),
    )
    .bind(ENV.EVENT_BUS, props.eventBus.eventBusName, (g) => props.eventBus.grantPutEventsTo(g));
  fn.addEventSource(
    new sources.DynamoEventSource(props.table, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 10,
      bisectBatchOnError: true,
      retryAttempts: 8,
      maxRecordAge: Duration.days(1),
      reportBatchItemFailures: true,
      onFailure: new sources.SqsDlq(failures),
      filters: [
        lambda.FilterCriteria.filter({
          eventName: equals('MODIFY'),
          dynamodb: { NewImage: { status: { S: equals('COMPLETED') } }, OldImage: { status: { S: equals('OPEN') } } },
        }),
      ],
    }),
  );
  acknowledge(
    fn.role!,
    'dynamodb:ListStreams has no resource-level permission (Resource "*" is required); the stream read actions themselves are limited to the task table stream.',
    'AwsSolutions-IAM5[Resource::*]',
  );
  return { fn, failures };
}

/** An event-filter equality rule (typed: `FilterRule.isEqual` returns `any`). */
function equals(value: string): unknown {
  return lambda.FilterRule.isEqual(value) as unknown;
}
