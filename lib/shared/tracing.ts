import { type IAspect, aws_iam as iam, aws_lambda as lambda } from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';
import { acknowledge } from './nag';

/**
 * Turns on active X-Ray tracing for the Lambda functions aws-cdk-lib creates itself (custom-resource Provider
 * framework functions, the `BucketDeployment` function, …), which have no tracing option of their own, so every
 * function of the app is traced — the house `HandlerFunction` already is. It sets `TracingConfig: Active` on the
 * function and gives its role the two X-Ray actions tracing needs (they support no resource-level permission).
 * Applied to the whole app by `buildApp` (`Aspects.of(app).add(new TraceEveryFunction())`).
 */
export class TraceEveryFunction implements IAspect {
  public visit(node: IConstruct): void {
    if (!(node instanceof lambda.Function)) return;
    const cfn = node.node.defaultChild as lambda.CfnFunction;
    if (cfn.tracingConfig !== undefined) return;
    cfn.tracingConfig = { mode: lambda.Tracing.ACTIVE };
    node.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] }),
    );
    if (node.role) {
      acknowledge(
        node.role,
        'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions (Resource "*" is required by the service); added so this aws-cdk-lib function is traced like every other.',
        'AwsSolutions-IAM5[Resource::*]',
      );
    }
  }
}
