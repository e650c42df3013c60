import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TaskStore } from '../../review-portal/adapters/task-store';
import { ConfigurationError } from '../../shared/errors';
import {
  type AnyReviewTaskInput,
  REVIEW_ENV,
  type ReviewBackend,
  type ReviewBatch,
  type ReviewStartResult,
} from '../contract';

/** Options of {@link PortalReviewBackend}. */
export interface PortalReviewBackendOptions {
  /** The portal's DynamoDB task table (`REVIEW_TASK_TABLE`). */
  readonly tableName: string;
  /** DynamoDB client. @default a client with the SDK's default configuration */
  readonly client?: DynamoDBClient;
  /** Clock. @default the system clock */
  readonly now?: () => Date;
}

/**
 * The review portal as a {@link ReviewBackend}: each batch becomes one task in the portal's table, created with a
 * conditional write (`attribute_not_exists`), so a re-delivered batch reports `already-exists` and creates nothing.
 * It uses the same task model (lambdas/review-portal/core/task.ts) as the portal's API. Needs only
 * `dynamodb:PutItem` on the table (granted by the `ReviewPortal` construct's `bindStarter`).
 */
export class PortalReviewBackend implements ReviewBackend {
  private readonly store: TaskStore;
  private readonly now: () => Date;

  constructor(options: PortalReviewBackendOptions) {
    this.store = new TaskStore(options.client ?? new DynamoDBClient({}), options.tableName);
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Create the batch's task.
   * @throws ValidationError when the batch cannot become a task (bad id, no categories, …) — retrying cannot help.
   */
  public async start(batch: ReviewBatch<AnyReviewTaskInput>): Promise<ReviewStartResult> {
    return this.store.create(batch, this.now());
  }
}

/**
 * The portal back end configured from the environment `bindStarter` sets (`REVIEW_TASK_TABLE`).
 * @throws ConfigurationError when the table variable is missing.
 */
export function portalBackendFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  client?: DynamoDBClient,
): PortalReviewBackend {
  const tableName = env[REVIEW_ENV.TASK_TABLE];
  if (!tableName)
    throw new ConfigurationError(
      `Invalid environment: ${REVIEW_ENV.TASK_TABLE} is missing (bind the starter to the review portal)`,
    );
  return new PortalReviewBackend({ tableName, client });
}
