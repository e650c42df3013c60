import { aws_apigateway as apigw } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { WorkflowLogGroup } from './logs';
import { acknowledge } from './nag';

/** Props of {@link WorkflowRestApi}. */
export interface WorkflowRestApiProps {
  /** What the API does. */
  readonly description: string;
  /** Steady-state requests per second of the stage. */
  readonly rateLimit: number;
  /** Burst of requests of the stage. */
  readonly burstLimit: number;
  /**
   * CORS preflight on every resource (answered by API Gateway without credentials).
   * @default no CORS
   */
  readonly cors?: apigw.CorsOptions;
  /**
   * Where API keys are read from.
   * @default no API keys
   */
  readonly apiKeySourceType?: apigw.ApiKeySourceType;
  /** Why the stage has no AWS WAF web ACL (the cdk-nag APIG3 acknowledgment). */
  readonly withoutWebAclReason: string;
}

/**
 * A regional REST API with the house stage: `v1`, X-Ray tracing, CloudWatch metrics, stage throttling, JSON access
 * logs (standard fields without caller and user) in a {@link WorkflowLogGroup} `<id>AccessLogs`, no account-wide
 * CloudWatch role. Methods get their request models through {@link jsonBodyModels}, so no content type bypasses
 * validation.
 */
export class WorkflowRestApi extends apigw.RestApi {
  constructor(scope: Construct, id: string, props: WorkflowRestApiProps) {
    const accessLogs = new WorkflowLogGroup(scope, `${id}AccessLogs`);
    super(scope, id, {
      description: props.description,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: false,
      apiKeySourceType: props.apiKeySourceType,
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        metricsEnabled: true,
        throttlingRateLimit: props.rateLimit,
        throttlingBurstLimit: props.burstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
      },
      defaultCorsPreflightOptions: props.cors,
    });
    acknowledge(
      this.deploymentStage,
      'Execution logging needs the account-wide API Gateway CloudWatch role (AWS::ApiGateway::Account), which one stack must not own for the whole account; JSON access logs, X-Ray tracing, metrics and the Lambda logs are on.',
      'AwsSolutions-APIG6',
    );
    acknowledge(this.deploymentStage, props.withoutWebAclReason, 'AwsSolutions-APIG3');
  }

  /**
   * Acknowledge that CORS preflight methods (`OPTIONS`, mock integrations API Gateway answers itself) carry no
   * authorization: browsers send preflights without credentials. Call after every route is added.
   */
  public acknowledgeCorsPreflight(): void {
    for (const method of this.methods.filter((m) => m.httpMethod === 'OPTIONS')) {
      acknowledge(
        method,
        'CORS preflight (OPTIONS) is a mock integration answered by API Gateway; browsers send it without credentials, so it cannot require a token or an API key.',
        'AwsSolutions-APIG4',
        'AwsSolutions-COG4',
      );
    }
  }
}

/**
 * The `requestModels` of a method that takes a JSON body: the model for `application/json` and for `$default`.
 * API Gateway validates a body only against the model of its content type and skips validation when no model
 * matches; `$default` makes every other content type meet the same model, so a body sent as `text/plain` (or with no
 * content type) cannot bypass validation. A body that is not JSON fails it (400); the handler answers 415 to JSON
 * sent under another content type.
 */
export function jsonBodyModels(model: apigw.IModel): Record<string, apigw.IModel> {
  return { 'application/json': model, $default: model };
}
