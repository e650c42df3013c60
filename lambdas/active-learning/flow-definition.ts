import { CreateFlowDefinitionCommand, DeleteFlowDefinitionCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { awsErrorName, describeError } from '../shared/errors';
import * as z from '../shared/zod';
import { createLogger } from '../shared/observability';
import {
  createFlowDefinitionInput,
  flowDefinitionName,
  flowDefinitionPropertiesSchema,
  isFlowDefinitionName,
} from './core/flow-definition';

const logger = createLogger();
const sagemaker = new SageMakerClient({});

const eventSchema = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  PhysicalResourceId: z.optional(z.string()),
  ResourceProperties: z.record(z.string(), z.unknown()),
});

/** What the Provider framework expects back from `onEvent`. */
export interface OnEventResult {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

/**
 * `onEvent` of the `Custom::A2iFlowDefinition` resource (Provider framework; `flow-definition-status.ts` is its
 * `isComplete`). Create: `CreateFlowDefinition` under a name derived from the properties (a retried create that finds
 * the name taken is done). Update: a different name means new properties → create the new flow definition and return
 * its name, so CloudFormation deletes the old one after the update. Delete: `DeleteFlowDefinition` (already gone is
 * fine).
 */
export const handler = async (event: unknown): Promise<OnEventResult> => {
  const parsed = eventSchema.parse(event);
  if (parsed.RequestType === 'Delete') {
    const name = parsed.PhysicalResourceId;
    if (!isFlowDefinitionName(name)) {
      logger.info('Nothing to delete: the physical id is not a flow definition name (the create failed)', {
        physicalId: name,
      });
      return { PhysicalResourceId: name ?? 'none' };
    }
    try {
      await sagemaker.send(new DeleteFlowDefinitionCommand({ FlowDefinitionName: name }));
      logger.info('Flow definition deletion started', { name });
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFound') throw error;
      logger.info('Flow definition already deleted', { name });
    }
    return { PhysicalResourceId: name };
  }
  const properties = flowDefinitionPropertiesSchema.parse(parsed.ResourceProperties);
  const name = flowDefinitionName(properties);
  if (parsed.RequestType === 'Update' && parsed.PhysicalResourceId === name) {
    logger.info('Flow definition unchanged', { name });
    return { PhysicalResourceId: name, Data: { FlowDefinitionName: name } };
  }
  try {
    const answer = await sagemaker.send(new CreateFlowDefinitionCommand(createFlowDefinitionInput(properties)));
    logger.info('Flow definition creation started', { name, arn: answer.FlowDefinitionArn });
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceInUse') {
      logger.error('CreateFlowDefinition failed', { name, error: describeError(error) });
      throw error;
    }
    logger.info('Flow definition already exists (retried create)', { name });
  }
  return { PhysicalResourceId: name, Data: { FlowDefinitionName: name } };
};
