import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, awsErrorName } from '../../shared/errors';
import { type AnyReviewTaskInput, type ReviewBatch, type ReviewStartResult } from '../../review/contract';
import { OPEN_QUEUE, TASK_TABLE } from '../contract';
import { TaskNotFoundError } from '../core/errors';
import {
  type Lease,
  type PortalSettings,
  type QueueEntry,
  type Reviewer,
  type SubmissionDecision,
  type TaskRecord,
  claimOrder,
  decideClaim,
  decideRelease,
  decideSubmission,
  newTaskRecord,
} from '../core/task';

/** Writes that lost an optimistic-concurrency race are retried this many times (re-read, re-decide), never slept on. */
const MAX_ATTEMPTS = 4;
/** Queue entries read per page when claiming. */
const CLAIM_PAGE_SIZE = 50;
/** After a collision, the next candidate is drawn from this many of the oldest. */
const SPREAD = 10;

/** A claimed task and the caller's lease. */
export interface Claim {
  readonly task: TaskRecord;
  readonly lease: Lease;
  readonly renewed: boolean;
}

/** Thrown when a conditional write finds a newer version of the task. */
class StaleTaskError extends Error {}

/**
 * The task table: the review portal's DynamoDB persistence. Every change is a conditional write on the version the
 * decision was made from (optimistic concurrency), so two reviewers never hold the same reviewer slot and a lost race
 * is re-decided on fresh data.
 */
export class TaskStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /**
   * Create the task of a batch unless it exists (a re-delivered batch creates nothing twice).
   * @throws ValidationError when the batch is invalid.
   */
  public async create(
    batch: ReviewBatch<AnyReviewTaskInput>,
    now: Date,
    options: { requiredAnswers?: number } = {},
  ): Promise<ReviewStartResult> {
    const record = newTaskRecord(batch, now, options);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: record,
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': TASK_TABLE.PARTITION_KEY },
        }),
      );
      return 'started';
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return 'already-exists';
      throw error;
    }
  }

  /** A task by id, read consistently, or undefined. */
  public async find(taskId: string): Promise<TaskRecord | undefined> {
    const answer = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { [TASK_TABLE.PARTITION_KEY]: taskId }, ConsistentRead: true }),
    );
    return answer.Item as TaskRecord | undefined;
  }

  /**
   * A task by id.
   * @throws TaskNotFoundError
   */
  public async get(taskId: string): Promise<TaskRecord> {
    const task = await this.find(taskId);
    if (!task) throw new TaskNotFoundError(taskId);
    return task;
  }

  /** Open tasks from the queue index, oldest first. */
  public async *queue(pageSize = 100): AsyncGenerator<QueueEntry> {
    for await (const page of this.queuePages(pageSize)) yield* page;
  }

  /** Pages of open tasks from the queue index, oldest first. */
  public async *queuePages(pageSize = 100): AsyncGenerator<QueueEntry[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: TASK_TABLE.QUEUE_INDEX,
          KeyConditionExpression: '#q = :open',
          ExpressionAttributeNames: { '#q': TASK_TABLE.QUEUE_KEY },
          ExpressionAttributeValues: { ':open': OPEN_QUEUE },
          ScanIndexForward: true,
          Limit: pageSize,
          ExclusiveStartKey: startKey,
        }),
      );
      yield (page.Items ?? []) as QueueEntry[];
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /**
   * Lease the oldest task the reviewer may take (a free reviewer slot, not answered or skipped by them), or return
   * undefined when there is none. A task the reviewer already holds comes first (its lease is renewed). A lost race
   * for a task is re-decided on the task's current version; after a collision the next candidate is picked at random
   * among the oldest few, so reviewers claiming at the same moment spread out instead of colliding again and again.
   */
  public async claimNext(
    reviewer: Reviewer,
    now: number,
    settings: PortalSettings,
    random: () => number = Math.random,
  ): Promise<Claim | undefined> {
    for await (const page of this.queuePages(CLAIM_PAGE_SIZE)) {
      const order = claimOrder(page, reviewer.workerId, now, settings);
      let collided = false;
      while (order.length > 0) {
        const pick = collided ? Math.floor(random() * Math.min(order.length, SPREAD)) : 0;
        let current: QueueEntry | undefined = order.splice(pick, 1)[0];
        for (let attempt = 0; current && attempt < MAX_ATTEMPTS; attempt += 1) {
          const decision = decideClaim(current, reviewer.workerId, now, settings);
          if (!decision.ok) break;
          try {
            const task = await this.write(current.taskId, current.version, { set: { leases: decision.leases } });
            return { task, lease: decision.lease, renewed: decision.renewed };
          } catch (error) {
            if (!(error instanceof StaleTaskError)) throw error;
            collided = true;
            current = await this.find(current.taskId);
          }
        }
      }
    }
    return undefined;
  }

  /**
   * Record a reviewer's answers (or recognise a resubmission) and complete the task when it has all its answers.
   * @throws ReviewConflictError, InvalidAnswerError, TaskNotFoundError
   */
  public async submit(
    taskId: string,
    reviewer: Reviewer,
    answers: Readonly<Record<string, unknown>>,
    now: number,
    settings: PortalSettings,
  ): Promise<{ decision: SubmissionDecision; task: TaskRecord }> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const task = await this.get(taskId);
      const decision = decideSubmission(task, reviewer, answers, now, settings);
      if (decision.kind === 'duplicate') return { decision, task };
      const set: Record<string, unknown> = { leases: decision.leases, answeredBy: decision.answeredBy };
      if (decision.completed) {
        set.status = 'COMPLETED';
        set.completedAt = decision.completedAt;
        set[TASK_TABLE.TTL_ATTRIBUTE] = decision.expiresAt;
      }
      try {
        const updated = await this.write(taskId, task.version, {
          set,
          answer: { workerId: reviewer.workerId, value: JSON.stringify(decision.answer) },
          remove: decision.completed ? [TASK_TABLE.QUEUE_KEY] : [],
        });
        return { decision, task: updated };
      } catch (error) {
        if (!(error instanceof StaleTaskError)) throw error;
      }
    }
    throw new ConflictError(`Task ${taskId} is changing too fast; try again`);
  }

  /** Skip: release the reviewer's lease and do not offer them the task again. Repeating it changes nothing. */
  public async release(taskId: string, workerId: string, now: number): Promise<{ released: boolean }> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const task = await this.get(taskId);
      const decision = decideRelease(task, workerId, now);
      if (!decision.changed) return { released: false };
      try {
        await this.write(taskId, task.version, { set: { leases: decision.leases, skippedBy: decision.skippedBy } });
        return { released: decision.released };
      } catch (error) {
        if (!(error instanceof StaleTaskError)) throw error;
      }
    }
    throw new ConflictError(`Task ${taskId} is changing too fast; try again`);
  }

  /** Conditional update on `version`: sets attributes (and one answer), removes others, bumps the version. */
  private async write(
    taskId: string,
    expectedVersion: number,
    change: { set: Record<string, unknown>; answer?: { workerId: string; value: string }; remove?: string[] },
  ): Promise<TaskRecord> {
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': expectedVersion, ':next': expectedVersion + 1 };
    const sets = ['#version = :next'];
    Object.entries(change.set).forEach(([key, value], i) => {
      names[`#s${i}`] = key;
      values[`:s${i}`] = value;
      sets.push(`#s${i} = :s${i}`);
    });
    if (change.answer) {
      names['#answers'] = 'answers';
      names['#worker'] = change.answer.workerId;
      values[':answer'] = change.answer.value;
      sets.push('#answers.#worker = :answer');
    }
    const removes = (change.remove ?? []).map((key, i) => {
      names[`#r${i}`] = key;
      return `#r${i}`;
    });
    try {
      const answer = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TASK_TABLE.PARTITION_KEY]: taskId },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return answer.Attributes as TaskRecord;
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') throw new StaleTaskError(`Task ${taskId} changed`);
      throw error;
    }
  }
}
