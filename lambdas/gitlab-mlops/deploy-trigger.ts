import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ModelApprovalStatus, SageMakerClient, paginateListModelPackages } from '@aws-sdk/client-sagemaker';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { defineEnv, envList } from '../shared/env';
import { awsErrorName } from '../shared/errors';
import { createLogger, createMetrics, flushMetrics, MetricUnit } from '../shared/observability';
import * as z from '../shared/zod';
import { createGitLabClient } from './adapters/gitlab';
import { readGitLabToken } from './adapters/secrets';
import {
  DEPLOY_PIPELINE_VARIABLES,
  GITLAB_MLOPS_ENV,
  ENDPOINT_STACK_MODEL_PARAMETER,
  GITLAB_MLOPS_METRICS,
  LAUNCH_PARAMETERS,
} from './contract';
import {
  type ApprovedVersion,
  type ModelPackageChange,
  decideDeployment,
  needsApprovedVersions,
} from './core/deploy-decision';
import { checkLaunchChoice } from './core/launch-policy';

const env = defineEnv({
  [GITLAB_MLOPS_ENV.GITLAB_URL]: z.url(),
  [GITLAB_MLOPS_ENV.TOKEN_SECRET_ID]: z.string().check(z.minLength(1)),
  [GITLAB_MLOPS_ENV.DEPLOY_PROJECT_PATH]: z.string().check(z.regex(/^[^/]+(\/[^/]+)+$/, 'expected group/project')),
  [GITLAB_MLOPS_ENV.DEPLOY_BRANCH]: z.string().check(z.minLength(1)),
  [GITLAB_MLOPS_ENV.MODEL_PACKAGE_GROUP_NAME]: z.string().check(z.minLength(1)),
  [GITLAB_MLOPS_ENV.ENDPOINT_STACK_NAMES]: envList(),
  [GITLAB_MLOPS_ENV.ALLOWED_TOKEN_SECRET_IDS]: envList().check(z.minLength(1)),
});
const logger = createLogger();
const metrics = createMetrics();
const cloudformation = new CloudFormationClient({});
const sagemaker = new SageMakerClient({});
const secrets = new SecretsManagerClient({});

/** EventBridge "SageMaker Model Package State Change" (only the fields the trigger reads). */
const eventSchema = z.object({
  source: z.literal('aws.sagemaker'),
  'detail-type': z.literal('SageMaker Model Package State Change'),
  detail: z.object({
    ModelPackageGroupName: z.string().check(z.minLength(1)),
    ModelPackageArn: z.string().check(z.startsWith('arn:')),
    ModelPackageVersion: z.pipe(z.coerce.number(), z.int().check(z.positive())),
    ModelApprovalStatus: z.enum(['Approved', 'Rejected', 'PendingManualApproval']),
  }),
});

/** What the handler did (returned for tests and for the invocation record). */
export interface TriggerResult {
  readonly action: 'deploy' | 'ignore' | 'rollback-impossible';
  readonly detail: string;
  readonly pipelineId?: number;
}

/** Model package ARNs the endpoint stacks currently serve (stacks that do not exist serve nothing). */
async function deployedModelPackages(stackNames: readonly string[]): Promise<string[]> {
  const arns: string[] = [];
  for (const StackName of stackNames) {
    try {
      const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName }));
      const value = Stacks?.[0]?.Parameters?.find(
        (p) => p.ParameterKey === ENDPOINT_STACK_MODEL_PARAMETER,
      )?.ParameterValue;
      if (value) arns.push(value);
    } catch (error) {
      if (awsErrorName(error) === 'ValidationError' && /does not exist/.test((error as Error).message)) continue;
      throw error;
    }
  }
  return arns;
}

async function approvedVersions(groupName: string): Promise<ApprovedVersion[]> {
  const versions: ApprovedVersion[] = [];
  const pages = paginateListModelPackages(
    { client: sagemaker },
    {
      ModelPackageGroupName: groupName,
      ModelApprovalStatus: ModelApprovalStatus.APPROVED,
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
    },
  );
  for await (const page of pages) {
    for (const summary of page.ModelPackageSummaryList ?? []) {
      if (summary.ModelPackageArn && summary.ModelPackageVersion !== undefined) {
        versions.push({ arn: summary.ModelPackageArn, version: summary.ModelPackageVersion });
      }
    }
  }
  return versions;
}

/**
 * Model package state change → model-deploy pipeline. `Approved` runs the deploy pipeline for that version;
 * `Rejected` of a version an endpoint stack serves runs it for the latest remaining approved version (rollback);
 * anything else is ignored. Failures throw, so EventBridge retries, then dead-letters the event (alarmed).
 * A re-delivered event starts another pipeline for the same version, which deploys nothing new.
 */
export const handler = async (event: unknown): Promise<TriggerResult> => {
  try {
    const { detail } = eventSchema.parse(event);
    const config = env();
    const change: ModelPackageChange = {
      groupName: detail.ModelPackageGroupName,
      arn: detail.ModelPackageArn,
      version: detail.ModelPackageVersion,
      status: detail.ModelApprovalStatus,
    };
    logger.appendKeys({ modelPackageArn: change.arn, approvalStatus: change.status });
    const deployed =
      change.status === 'Rejected' ? await deployedModelPackages(config[GITLAB_MLOPS_ENV.ENDPOINT_STACK_NAMES]) : [];
    const approved = needsApprovedVersions(change, deployed) ? await approvedVersions(change.groupName) : [];
    const decision = decideDeployment(change, config[GITLAB_MLOPS_ENV.MODEL_PACKAGE_GROUP_NAME], deployed, approved);

    if (decision.action === 'ignore') {
      logger.info('No deployment', { detail: decision.detail });
      return decision;
    }
    if (decision.action === 'rollback-impossible') {
      metrics.addMetric(GITLAB_MLOPS_METRICS.ROLLBACKS_IMPOSSIBLE, MetricUnit.Count, 1);
      logger.error('Cannot roll back', { detail: decision.detail });
      return decision;
    }
    // The secret came from a launch parameter: read it only if the administrator allows it.
    checkLaunchChoice({
      parameter: LAUNCH_PARAMETERS.TOKEN_SECRET_NAME,
      value: config[GITLAB_MLOPS_ENV.TOKEN_SECRET_ID],
      allowed: config[GITLAB_MLOPS_ENV.ALLOWED_TOKEN_SECRET_IDS],
      configKey: 'gitlabMlops.allowedTokenSecretNames',
    });
    const token = await readGitLabToken(secrets, config[GITLAB_MLOPS_ENV.TOKEN_SECRET_ID]);
    const pipeline = await createGitLabClient(config[GITLAB_MLOPS_ENV.GITLAB_URL], token).runPipeline(
      config[GITLAB_MLOPS_ENV.DEPLOY_PROJECT_PATH],
      config[GITLAB_MLOPS_ENV.DEPLOY_BRANCH],
      {
        [DEPLOY_PIPELINE_VARIABLES.MODEL_PACKAGE_ARN]: decision.arn,
        [DEPLOY_PIPELINE_VARIABLES.MODEL_PACKAGE_VERSION]: String(decision.version),
        [DEPLOY_PIPELINE_VARIABLES.DEPLOY_REASON]: decision.reason,
      },
    );
    metrics.addMetric(
      decision.reason === 'rollback'
        ? GITLAB_MLOPS_METRICS.ROLLBACKS_TRIGGERED
        : GITLAB_MLOPS_METRICS.DEPLOYMENTS_TRIGGERED,
      MetricUnit.Count,
      1,
    );
    logger.info('Deploy pipeline started', {
      detail: decision.detail,
      pipelineId: pipeline.id,
      pipelineUrl: pipeline.webUrl,
    });
    return { action: 'deploy', detail: decision.detail, pipelineId: pipeline.id };
  } catch (error) {
    metrics.addMetric(GITLAB_MLOPS_METRICS.DEPLOY_TRIGGER_FAILURES, MetricUnit.Count, 1);
    logger.error('Deploy trigger failed', {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    throw error;
  } finally {
    flushMetrics(metrics);
    logger.resetKeys();
  }
};
