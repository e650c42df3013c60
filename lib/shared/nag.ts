import { type App, Aspects, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { type IConstruct } from 'constructs';
import { ControlTowerGuard, DenyKeyGrantsExceptForAwsServices, GuardAcknowledgments } from './guard';
import { CachedCloudFormationValidatePlugin } from './validation-cache';

/**
 * Apply the app's validators to every stack (CDK policy validation): the cdk-nag AwsSolutions and Serverless packs, and
 * cfn-guard with the AWS Control Tower proactive-control rules that `@cdklabs/cdk-validator-cfnguard` ships (the
 * cfn-guard binary and the rules are inside the package; nothing is downloaded; only the rules for resource types in
 * the templates run, see {@link ControlTowerGuard}). The cfn-guard findings the app accepts
 * are acknowledged resource by resource from one table, and CT.KMS.PR.3 is met on every key by one aspect (both in
 * lib/shared/guard.ts). The app (bin/app.ts) always applies them.
 *
 * aws-cdk-lib's own CloudFormation schema validation is registered here too, last (where CDK would add it), as
 * {@link CachedCloudFormationValidatePlugin}: the same validation, with its findings, like cfn-guard's, cached per
 * template between synths (lib/shared/validation-cache.ts), and on or off exactly when CDK's own would be.
 */
export function applyNag(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new ServerlessChecks(app),
    new ControlTowerGuard(),
    new CachedCloudFormationValidatePlugin(),
  );
  Aspects.of(app).add(new GuardAcknowledgments());
  Aspects.of(app).add(new DenyKeyGrantsExceptForAwsServices());
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
