import { type RekognitionClient, StopProjectVersionCommand } from '@aws-sdk/client-rekognition';
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { awsErrorName } from '../../shared/errors';
import { MODEL_USAGE_PREFIX, runKeys } from '../contract';
import { type ModelUsage } from '../core/idle';
import { type ReleaseDecision, decideRelease } from '../core/release';
import { type RunStore } from './run-store';

/** Clients the usage records are read and acted on with. */
export interface UsageClients {
  readonly files: RunStore;
  readonly sfn: SFNClient;
  readonly rekognition: RekognitionClient;
}

/** Whether an execution still runs (`DescribeExecution`; a missing one does not). */
export async function executionRunning(sfn: SFNClient, executionArn: string): Promise<boolean> {
  try {
    const answer = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return answer.status === 'RUNNING';
  } catch (error) {
    if (awsErrorName(error) === 'ExecutionDoesNotExist') return false;
    throw error;
  }
}

/** The usage records of all runs (`model-usage/*.json`), each with whether its execution still runs. */
export async function usages(c: UsageClients): Promise<(ModelUsage & { executionRunning: boolean })[]> {
  const out: (ModelUsage & { executionRunning: boolean })[] = [];
  for (const key of await c.files.keys(MODEL_USAGE_PREFIX)) {
    const usage = await c.files.json<ModelUsage>(key);
    if (usage) out.push({ ...usage, executionRunning: await executionRunning(c.sfn, usage.executionArn) });
  }
  return out;
}

/** `StopProjectVersion`; a version already stopping or stopped (`ResourceInUseException`) is the goal reached. */
export async function stopVersion(rekognition: RekognitionClient, modelVersionArn: string): Promise<void> {
  try {
    await rekognition.send(new StopProjectVersionCommand({ ProjectVersionArn: modelVersionArn }));
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceInUseException') throw error;
  }
}

/**
 * A run leaves ({@link decideRelease}): its record is read (`fallback`, the run's own copy, when the record is gone
 * but the run still holds it), the model is stopped or handed over, then the record is deleted. Safe to repeat: a second call finds no
 * record (with no fallback) and does nothing. Errors of S3, Step Functions or Rekognition propagate (the caller retries).
 */
export async function releaseUsage(
  c: UsageClients,
  runId: string,
  fallback?: ModelUsage,
): Promise<ReleaseDecision & { modelVersionArn?: string }> {
  const key = runKeys(runId).usage;
  const mine = (await c.files.json<ModelUsage>(key)) ?? fallback;
  const decision = decideRelease({ mine, usages: mine ? await usages(c) : [] });
  if (decision.handOver) await c.files.put(runKeys(decision.handOver.runId).usage, JSON.stringify(decision.handOver));
  if (decision.stop) await stopVersion(c.rekognition, mine!.modelVersionArn);
  // Deleted last: a failed stop leaves the record, so a retry (or the watchdog) stops the model later.
  await c.files.delete(key);
  return { ...decision, modelVersionArn: mine?.modelVersionArn };
}
