import { createHash } from 'node:crypto';

/**
 * The run id of an execution: 12 hex characters of the SHA-256 of its ARN. Deterministic (a retried step finds the
 * same run files and task ids), short enough for review task ids (`cla-<run id>-<task>`, ≤ 63 characters) and model
 * version names.
 */
export function runIdOf(executionArn: string): string {
  return createHash('sha256').update(executionArn).digest('hex').slice(0, 12);
}
