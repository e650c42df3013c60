import {
  Aws,
  Duration,
  type aws_ssm as ssm,
  aws_stepfunctions as sfn,
  aws_stepfunctions_tasks as tasks,
} from 'aws-cdk-lib';
import { RT_ERRORS } from '../../../lambdas/classifier-retraining/contract';
import { type RetrainingSteps } from './steps';

/** Where the loop's endpoint comes from, as the retraining workflow sees it. */
export type RetrainingEndpoint =
  | {
      /** The endpoint ARN is in the loop's SSM parameter (a placeholder until the first deployment). */
      readonly source: 'ssm-parameter';
      readonly parameter: ssm.IStringParameter;
      /** The value the parameter holds before any endpoint exists. */
      readonly placeholder: string;
    }
  | {
      /** A fixed endpoint the operator created (updated in place). */
      readonly source: 'endpoint-arn';
      readonly endpointArn: string;
    }
  | {
      /** The loop's stack owns the endpoint (`create` mode): the workflow refuses to update it. */
      readonly source: 'cloudformation';
      readonly endpointArn?: string;
    };

/** Options of {@link buildEndpointSteps}. */
export interface EndpointStepsOptions {
  readonly endpoint: RetrainingEndpoint;
  /** `flywheel`: the endpoint follows the flywheel (`FlywheelArn`), after `UpdateFlywheel` sets the active model. */
  readonly flywheelArn?: string;
  /** Name of an endpoint the workflow creates on a first deployment (1–40 characters). */
  readonly endpointName: string;
  readonly inferenceUnits: number;
  readonly pollInterval: Duration;
  /** Tags of a created endpoint. */
  readonly tags: { Key: string; Value: string }[];
  /** Resources of the Comprehend calls (endpoints, models, flywheel). */
  readonly endpointResources: string[];
  readonly modelResources: string[];
}

/** The entry and exit states of the endpoint part. */
export interface EndpointSteps {
  /** Resolve the endpoint into `$.endpoint` (`{placeholder, arn?, modelArn}`), then continue with `next`. */
  readonly resolve: (next: sfn.IChainable) => sfn.IChainable;
  /** Put `$.deploy.modelArn` behind the endpoint (create it on a first deployment), then continue with `next`. */
  readonly deploy: (next: sfn.IChainable) => sfn.IChainable;
}

/**
 * The endpoint states: find the endpoint (the SSM parameter, or a fixed ARN) and the model behind it; deploy a model
 * with `UpdateEndpoint` (`DesiredModelArn`: a live migration, same ARN), retried with backoff while the endpoint is busy
 * (`ResourceInUseException`), then Wait → `DescribeEndpoint` until `IN_SERVICE` with the new model; on a first
 * deployment `CreateEndpoint` and put its ARN in the loop's parameter. An endpoint the loop's stack owns is refused
 * (the next deploy of that stack would silently revert an update).
 */
export function buildEndpointSteps(steps: RetrainingSteps, options: EndpointStepsOptions): EndpointSteps {
  const { scope } = steps;
  const endpoint = options.endpoint;
  const flywheel = options.flywheelArn !== undefined;

  // ---- resolve -------------------------------------------------------------------------------------------------
  const describeCurrent = new tasks.CallAwsService(scope, 'DescribeCurrentEndpoint', {
    comment: 'The endpoint and the model behind it',
    service: 'comprehend',
    action: 'describeEndpoint',
    parameters: { EndpointArn: sfn.JsonPath.stringAt('$.endpoint.arn') },
    iamResources: options.endpointResources,
    iamAction: 'comprehend:DescribeEndpoint',
    resultSelector: {
      placeholder: false,
      'arn.$': '$.EndpointProperties.EndpointArn',
      'modelArn.$': '$.EndpointProperties.ModelArn',
      'status.$': '$.EndpointProperties.Status',
    },
    resultPath: '$.endpoint',
  });
  steps.retryComprehend(describeCurrent);
  describeCurrent.addCatch(
    steps.fail(
      'EndpointNotFound',
      RT_ERRORS.ENDPOINT_UPDATE_FAILED,
      "States.Format('The endpoint {} does not exist: put a valid endpoint ARN in the parameter, or the placeholder to let the workflow create one', $.endpoint.arn)",
    ),
    { errors: ['Comprehend.ResourceNotFoundException'], resultPath: '$.caught' },
  );
  steps.catchUnexpected(describeCurrent);

  const resolve = (next: sfn.IChainable): sfn.IChainable => {
    describeCurrent.next(next);
    switch (endpoint.source) {
      case 'cloudformation':
        return steps.fail(
          'EndpointOwnedByCloudFormation',
          RT_ERRORS.ENDPOINT_OWNED_BY_CLOUDFORMATION,
          "The loop's endpoint is owned by its CloudFormation stack (activeLearning.classifier.mode=create): an UpdateEndpoint would be reverted by the next deploy of that stack. Use activeLearning.classifier.mode=ssm-parameter (the workflow then creates and updates the endpoint) or endpoint-arn.",
        );
      case 'endpoint-arn':
        return new sfn.Pass(scope, 'FixedEndpoint', {
          comment: 'The endpoint ARN is configured',
          result: sfn.Result.fromObject({ arn: endpoint.endpointArn }),
          resultPath: '$.endpoint',
        }).next(describeCurrent);
      case 'ssm-parameter': {
        const read = new tasks.CallAwsService(scope, 'ReadEndpointParameter', {
          comment: "The loop's endpoint parameter",
          service: 'ssm',
          action: 'getParameter',
          parameters: { Name: endpoint.parameter.parameterName },
          iamResources: [endpoint.parameter.parameterArn],
          iamAction: 'ssm:GetParameter',
          resultSelector: { 'arn.$': '$.Parameter.Value' },
          resultPath: '$.endpoint',
        });
        read.addRetry({ errors: ['Ssm.ThrottlingException', 'Ssm.InternalServerErrorException'], maxAttempts: 5 });
        steps.catchUnexpected(read);
        const placeholder = new sfn.Pass(scope, 'NoEndpointYet', {
          comment: 'The parameter holds the placeholder: the first promoted model gets a new endpoint',
          result: sfn.Result.fromObject({ placeholder: true, modelArn: '' }),
          resultPath: '$.endpoint',
        }).next(next);
        return read.next(
          new sfn.Choice(scope, 'EndpointExists', { comment: 'Placeholder, or an endpoint ARN?' })
            .when(sfn.Condition.stringEquals('$.endpoint.arn', endpoint.placeholder), placeholder)
            .otherwise(describeCurrent),
        );
      }
    }
  };

  // ---- deploy --------------------------------------------------------------------------------------------------
  const updateFailed = (id: string, cause: string) => steps.fail(id, RT_ERRORS.ENDPOINT_UPDATE_FAILED, cause);
  const wait = new sfn.Wait(scope, 'WaitForEndpoint', {
    comment: 'Endpoints take minutes to update or create',
    time: sfn.WaitTime.duration(options.pollInterval),
  });
  const describe = new tasks.CallAwsService(scope, 'DescribeDeployedEndpoint', {
    comment: 'Is the endpoint in service with the new model?',
    service: 'comprehend',
    action: 'describeEndpoint',
    parameters: { EndpointArn: sfn.JsonPath.stringAt('$.endpoint.arn') },
    iamResources: options.endpointResources,
    iamAction: 'comprehend:DescribeEndpoint',
    resultSelector: { 'properties.$': '$.EndpointProperties' },
    resultPath: '$.endpointState',
  });
  steps.retryComprehend(describe);
  steps.catchUnexpected(describe);

  const update = new tasks.CallAwsService(scope, 'UpdateEndpoint', {
    comment: flywheel
      ? "Point the endpoint at the flywheel: it serves the flywheel's active model"
      : 'Live migration of the endpoint to the new model (same ARN)',
    service: 'comprehend',
    action: 'updateEndpoint',
    parameters: {
      EndpointArn: sfn.JsonPath.stringAt('$.endpoint.arn'),
      ...(flywheel
        ? { FlywheelArn: options.flywheelArn }
        : { DesiredModelArn: sfn.JsonPath.stringAt('$.deploy.modelArn') }),
    },
    iamResources: [...options.endpointResources, ...options.modelResources],
    iamAction: 'comprehend:UpdateEndpoint',
    resultPath: sfn.JsonPath.DISCARD,
  });
  steps.retryComprehend(update);
  // The endpoint is being created or updated by someone else: wait for it with backoff (1, 2, 4, … 32 minutes).
  update.addRetry({
    errors: ['Comprehend.ResourceInUseException'],
    interval: Duration.minutes(1),
    maxAttempts: 6,
    backoffRate: 2,
  });
  update.addCatch(
    updateFailed(
      'EndpointBusy',
      "States.Format('The endpoint {} stayed busy (ResourceInUseException) for over an hour: {}', $.endpoint.arn, $.caught.Cause)",
    ),
    { errors: ['Comprehend.ResourceInUseException'], resultPath: '$.caught' },
  );
  update.addCatch(
    updateFailed('UpdateRefused', "States.Format('UpdateEndpoint on {} failed: {}', $.endpoint.arn, $.caught.Cause)"),
    { resultPath: '$.caught' },
  );
  update.next(wait);

  const create = new tasks.CallAwsService(scope, 'CreateEndpoint', {
    comment: 'First deployment: the parameter held the placeholder',
    service: 'comprehend',
    action: 'createEndpoint',
    parameters: {
      EndpointName: options.endpointName,
      ...(flywheel ? { FlywheelArn: options.flywheelArn } : { ModelArn: sfn.JsonPath.stringAt('$.deploy.modelArn') }),
      DesiredInferenceUnits: options.inferenceUnits,
      ClientRequestToken: sfn.JsonPath.stringAt('$.runId'),
      Tags: options.tags,
    },
    iamResources: [...options.endpointResources, ...options.modelResources],
    iamAction: 'comprehend:CreateEndpoint',
    resultSelector: { placeholder: true, 'arn.$': '$.EndpointArn', modelArn: '' },
    resultPath: '$.endpoint',
  });
  steps.retryComprehend(create);
  // An endpoint of that name exists (an earlier run created it, then failed before writing the parameter): update it.
  const existing = new sfn.Pass(scope, 'CreatedEarlier', {
    comment: 'The endpoint exists already: deploy to it, then write the parameter',
    parameters: {
      placeholder: true,
      arn: `arn:${Aws.PARTITION}:comprehend:${Aws.REGION}:${Aws.ACCOUNT_ID}:document-classifier-endpoint/${options.endpointName}`,
      modelArn: '',
    },
    resultPath: '$.endpoint',
  }).next(update);
  create.addCatch(existing, { errors: ['Comprehend.ResourceInUseException'], resultPath: '$.caught' });
  create.addCatch(updateFailed('CreateRefused', "States.Format('CreateEndpoint failed: {}', $.caught.Cause)"), {
    resultPath: '$.caught',
  });
  create.next(wait);

  const deploy = (next: sfn.IChainable): sfn.IChainable => {
    const writeParameter =
      endpoint.source === 'ssm-parameter'
        ? new tasks.CallAwsService(scope, 'WriteEndpointParameter', {
            comment: 'The loop classifies with the new endpoint from now on',
            service: 'ssm',
            action: 'putParameter',
            parameters: {
              Name: endpoint.parameter.parameterName,
              Value: sfn.JsonPath.stringAt('$.endpoint.arn'),
              Type: 'String',
              Overwrite: true,
            },
            iamResources: [endpoint.parameter.parameterArn],
            iamAction: 'ssm:PutParameter',
            resultPath: sfn.JsonPath.DISCARD,
          })
        : undefined;
    if (writeParameter) {
      writeParameter.addRetry({ errors: ['Ssm.TooManyUpdates', 'Ssm.ThrottlingException'], maxAttempts: 5 });
      steps.catchUnexpected(writeParameter);
      writeParameter.next(next);
    }
    const ready = new sfn.Choice(scope, 'NewEndpoint', { comment: 'A created endpoint goes into the parameter' })
      .when(sfn.Condition.booleanEquals('$.endpoint.placeholder', true), writeParameter ?? next)
      .otherwise(next);
    wait.next(describe).next(
      new sfn.Choice(scope, 'EndpointUpdated', { comment: 'In service with the new model, failed, or still working' })
        .when(
          sfn.Condition.stringEquals('$.endpointState.properties.Status', 'FAILED'),
          updateFailed(
            'EndpointFailed',
            "States.Format('The endpoint {} failed: {}', $.endpoint.arn, $.endpointState.properties.Message)",
          ),
        )
        .when(
          sfn.Condition.and(
            sfn.Condition.stringEquals('$.endpointState.properties.Status', 'IN_SERVICE'),
            sfn.Condition.stringEqualsJsonPath('$.endpointState.properties.ModelArn', '$.deploy.modelArn'),
          ),
          ready,
        )
        .when(
          sfn.Condition.stringEquals('$.endpointState.properties.Status', 'IN_SERVICE'),
          updateFailed(
            'ModelNotDeployed',
            "States.Format('The endpoint {} is in service with {} instead of {}', $.endpoint.arn, $.endpointState.properties.ModelArn, $.deploy.modelArn)",
          ),
        )
        .otherwise(wait),
    );
    const route = new sfn.Choice(scope, 'EndpointToDeploy', { comment: 'Update the endpoint, or create the first one' })
      .when(sfn.Condition.booleanEquals('$.endpoint.placeholder', true), create)
      .otherwise(update);
    if (!flywheel) return route;
    const activate = new tasks.CallAwsService(scope, 'UpdateFlywheel', {
      comment: "Make the model the flywheel's active model",
      service: 'comprehend',
      action: 'updateFlywheel',
      parameters: { FlywheelArn: options.flywheelArn, ActiveModelArn: sfn.JsonPath.stringAt('$.deploy.modelArn') },
      iamResources: [options.flywheelArn, ...options.modelResources],
      iamAction: 'comprehend:UpdateFlywheel',
      resultPath: sfn.JsonPath.DISCARD,
    });
    steps.retryComprehend(activate);
    activate.addRetry({
      errors: ['Comprehend.ResourceInUseException'],
      interval: Duration.minutes(1),
      maxAttempts: 6,
      backoffRate: 2,
    });
    steps.catchUnexpected(activate);
    return activate.next(route);
  };

  return { resolve, deploy };
}
