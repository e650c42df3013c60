import {
  CreateFlowDefinitionCommand,
  DeleteFlowDefinitionCommand,
  DescribeFlowDefinitionCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { flowDefinitionName } from '../../../lambdas/active-learning/core/flow-definition';
import { handler as onEvent } from '../../../lambdas/active-learning/flow-definition';
import { handler as isComplete } from '../../../lambdas/active-learning/flow-definition-status';

const sagemaker = mockClient(SageMakerClient);
const FLOW = 'arn:aws:sagemaker:us-east-1:123456789012:flow-definition/x-abc';
const error = (name: string, message = name) => Object.assign(new Error(message), { name, $metadata: {} });

describe('flow definition custom resource', () => {
  const properties = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
    NamePrefix: 'mlw-loop-a2ireview',
    RoleArn: 'arn:aws:iam::123456789012:role/flow',
    HumanTaskUiArn: 'arn:aws:sagemaker:us-east-1:123456789012:human-task-ui/ui',
    WorkteamArn: 'arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/team',
    OutputPath: 's3://data/review-output/',
    TaskTitle: 'Classify',
    TaskDescription: 'Choose',
    TaskCount: '2',
    TaskTimeLimitInSeconds: '3600',
    TaskAvailabilityLifetimeInSeconds: '864000',
  };
  const { ServiceToken: _token, ...parsed } = properties;
  const name = flowDefinitionName({
    ...parsed,
    TaskCount: 2,
    TaskTimeLimitInSeconds: 3600,
    TaskAvailabilityLifetimeInSeconds: 864000,
  });

  beforeEach(() => sagemaker.reset());

  it('creates the flow definition under a name derived from its properties (numbers from CloudFormation strings)', async () => {
    sagemaker.on(CreateFlowDefinitionCommand).resolves({ FlowDefinitionArn: FLOW });
    const result = await onEvent({ RequestType: 'Create', ResourceProperties: properties });
    expect(result).toEqual({ PhysicalResourceId: name, Data: { FlowDefinitionName: name } });
    expect(name).toMatch(/^mlw-loop-a2ireview-[0-9a-f]{12}$/);
    expect(sagemaker).toHaveReceivedCommandWith(CreateFlowDefinitionCommand, {
      FlowDefinitionName: name,
      RoleArn: properties.RoleArn,
      HumanLoopConfig: expect.objectContaining({
        TaskCount: 2,
        WorkteamArn: properties.WorkteamArn,
        HumanTaskUiArn: properties.HumanTaskUiArn,
      }),
      OutputConfig: { S3OutputPath: 's3://data/review-output/' },
    });
    // A retried create finds its own name taken: done.
    sagemaker.on(CreateFlowDefinitionCommand).rejects(error('ResourceInUse'));
    await expect(onEvent({ RequestType: 'Create', ResourceProperties: properties })).resolves.toEqual(result);
  });

  it('replaces on update with a new deterministic name, and keeps the name when nothing changed', async () => {
    sagemaker.on(CreateFlowDefinitionCommand).resolves({ FlowDefinitionArn: FLOW });
    const same = await onEvent({
      RequestType: 'Update',
      PhysicalResourceId: name,
      ResourceProperties: { ...properties, ServiceToken: 'other' },
    });
    expect(same.PhysicalResourceId).toBe(name);
    expect(sagemaker).not.toHaveReceivedCommand(CreateFlowDefinitionCommand);
    const changed = await onEvent({
      RequestType: 'Update',
      PhysicalResourceId: name,
      ResourceProperties: { ...properties, TaskCount: '3' },
    });
    expect(changed.PhysicalResourceId).not.toBe(name);
    expect(changed.PhysicalResourceId).toMatch(/^mlw-loop-a2ireview-[0-9a-f]{12}$/);
    expect(sagemaker).toHaveReceivedCommandTimes(CreateFlowDefinitionCommand, 1);
  });

  it('deletes (already gone is fine; a failed create leaves nothing to delete)', async () => {
    sagemaker.on(DeleteFlowDefinitionCommand).resolves({});
    await onEvent({ RequestType: 'Delete', PhysicalResourceId: name, ResourceProperties: properties });
    expect(sagemaker).toHaveReceivedCommandWith(DeleteFlowDefinitionCommand, { FlowDefinitionName: name });
    sagemaker.on(DeleteFlowDefinitionCommand).rejects(error('ResourceNotFound'));
    await expect(
      onEvent({ RequestType: 'Delete', PhysicalResourceId: name, ResourceProperties: properties }),
    ).resolves.toEqual({ PhysicalResourceId: name });
    sagemaker.resetHistory();
    await onEvent({
      RequestType: 'Delete',
      PhysicalResourceId: 'Mlw-Stack-FlowDefinition-ABC/2026',
      ResourceProperties: properties,
    });
    expect(sagemaker).not.toHaveReceivedCommand(DeleteFlowDefinitionCommand);
  });

  it('reports completion from the flow definition status', async () => {
    sagemaker
      .on(DescribeFlowDefinitionCommand)
      .resolvesOnce({ FlowDefinitionStatus: 'Initializing' })
      .resolves({ FlowDefinitionStatus: 'Active', FlowDefinitionArn: FLOW });
    await expect(isComplete({ RequestType: 'Create', PhysicalResourceId: name })).resolves.toEqual({
      IsComplete: false,
    });
    await expect(isComplete({ RequestType: 'Create', PhysicalResourceId: name })).resolves.toEqual({
      IsComplete: true,
      Data: { FlowDefinitionArn: FLOW, FlowDefinitionName: name },
    });
    sagemaker
      .on(DescribeFlowDefinitionCommand)
      .resolves({ FlowDefinitionStatus: 'Failed', FailureReason: 'workteam not found' });
    await expect(isComplete({ RequestType: 'Update', PhysicalResourceId: name })).rejects.toThrow('workteam not found');
    sagemaker.on(DescribeFlowDefinitionCommand).resolves({ FlowDefinitionStatus: 'Deleting' });
    await expect(isComplete({ RequestType: 'Delete', PhysicalResourceId: name })).resolves.toEqual({
      IsComplete: false,
    });
    sagemaker.on(DescribeFlowDefinitionCommand).rejects(error('ResourceNotFound'));
    await expect(isComplete({ RequestType: 'Delete', PhysicalResourceId: name })).resolves.toEqual({
      IsComplete: true,
    });
  });
});
