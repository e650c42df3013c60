import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { type IConstruct } from 'constructs';

/** Apply the cdk-nag AwsSolutions and Serverless packs to every stack of the app (CDK policy validation). */
export function applyNag(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}

/**
 * Acknowledge cdk-nag findings on one construct, each with its reason. The reason must say why the finding does not
 * apply or is accepted; it lands in the validation report.
 *
 * @param ids rule ids, optionally with a finding, e.g. `AwsSolutions-IAM5[Resource::*]`
 */
export function acknowledge(scope: IConstruct, reason: string, ...ids: string[]): void {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Function-level findings on Lambda functions that aws-cdk-lib creates and configures itself (custom-resource
 * Provider frameworks, BucketDeployment): their runtime, memory, logging level and format and failure handling are not
 * ours to set, and CloudFormation receives their failures. (Their tracing is: `TraceEveryFunction` turns it on; their
 * log groups are house log groups with the configured retention.)
 */
export const LIBRARY_FUNCTION_FINDINGS = [
  'AwsSolutions-L1',
  'Serverless-LambdaDLQ',
  'Serverless-LambdaLatestVersion',
  'Serverless-LambdaDefaultMemorySize',
  'Serverless-LambdaAsyncFailureDestination',
  'Serverless-LambdaLogLevel',
  'Serverless-LambdaLogFormat',
  'Serverless-LambdaLogRetention',
] as const;

/** Acknowledge {@link LIBRARY_FUNCTION_FINDINGS} on a function aws-cdk-lib creates, with the reason for this use. */
export function acknowledgeLibraryFunction(fn: IConstruct, reason: string): void {
  acknowledge(fn, reason, ...LIBRARY_FUNCTION_FINDINGS);
}
