import { DescribeFlowDefinitionCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { awsErrorName } from '../shared/errors';
import * as z from '../shared/zod';
import { createLogger } from '../shared/observability';
import { isFlowDefinitionName } from './core/flow-definition';

const logger = createLogger();
const sagemaker = new SageMakerClient({});

const eventSchema = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  PhysicalResourceId: z.optional(z.string()),
});

/** What the Provider framework expects back from `isComplete`. */
export interface IsCompleteResult {
  IsComplete: boolean;
  Data?: Record<string, string>;
}

/**
 * `isComplete` of the `Custom::A2iFlowDefinition` resource: the Provider framework polls it (its own waiter state
 * machine; this function never waits). Create/Update: complete when the flow definition is `Active` (with its ARN);
 * `Failed` fails the deployment with the service's reason. Delete: complete when it is gone.
 */
export const handler = async (event: unknown): Promise<IsCompleteResult> => {
  const { RequestType, PhysicalResourceId: name } = eventSchema.parse(event);
  if (!isFlowDefinitionName(name)) return { IsComplete: true };
  let answer;
  try {
    answer = await sagemaker.send(new DescribeFlowDefinitionCommand({ FlowDefinitionName: name }));
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFound' && RequestType === 'Delete') return { IsComplete: true };
    throw error;
  }
  const status = answer.FlowDefinitionStatus;
  logger.info('Flow definition status', { name, status, requestType: RequestType });
  if (RequestType === 'Delete') return { IsComplete: false };
  if (status === 'Failed')
    throw new Error(`Flow definition ${name} failed: ${answer.FailureReason ?? 'no reason given'}`);
  if (status !== 'Active' || !answer.FlowDefinitionArn) return { IsComplete: false };
  return { IsComplete: true, Data: { FlowDefinitionArn: answer.FlowDefinitionArn, FlowDefinitionName: name } };
};
