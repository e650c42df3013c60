import { RemovalPolicy, aws_dynamodb as dynamodb, aws_iam as iam } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { QUEUE_INDEX_ATTRIBUTES, TASK_TABLE } from '../../../lambdas/review-portal/contract';

/**
 * The task table (construct id `Tasks`, retained, deletion-protected): one item per review batch, keyed by task id,
 * with TTL for completed tasks, point-in-time recovery, a stream of new and old images (the result publisher reads
 * it), and the sparse index `ByQueue` of open tasks, oldest first.
 */
export function createTaskTable(scope: Construct): dynamodb.Table {
  const table = new dynamodb.Table(scope, 'Tasks', {
    partitionKey: { name: TASK_TABLE.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: TASK_TABLE.TTL_ATTRIBUTE,
    stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
  });
  table.addGlobalSecondaryIndex({
    indexName: TASK_TABLE.QUEUE_INDEX,
    partitionKey: { name: TASK_TABLE.QUEUE_KEY, type: dynamodb.AttributeType.STRING },
    sortKey: { name: TASK_TABLE.QUEUE_SORT_KEY, type: dynamodb.AttributeType.STRING },
    projectionType: dynamodb.ProjectionType.INCLUDE,
    nonKeyAttributes: [...QUEUE_INDEX_ATTRIBUTES],
  });
  return table;
}

/** Grant exact DynamoDB actions on the task table, or on its queue index only (no `index/*` wildcard). */
export function grantTaskTable(
  table: dynamodb.ITable,
  grantee: iam.IGrantable,
  actions: string[],
  on: 'table' | 'queue-index' = 'table',
): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions,
    resourceArns: [on === 'table' ? table.tableArn : `${table.tableArn}/index/${TASK_TABLE.QUEUE_INDEX}`],
  });
}
