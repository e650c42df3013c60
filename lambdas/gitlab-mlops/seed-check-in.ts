import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { defineEnv, envList } from '../shared/env';
import { createLogger, createMetrics, flushMetrics, MetricUnit } from '../shared/observability';
import * as z from '../shared/zod';
import { createGitLabClient } from './adapters/gitlab';
import { readGitLabToken } from './adapters/secrets';
import { DELETE_POLICIES, GITLAB_MLOPS_METRICS, LAUNCH_PARAMETERS, GITLAB_MLOPS_ENV } from './contract';
import { checkIn, fullPathOf, removeProjects } from './core/check-in';
import { checkLaunchChoice } from './core/launch-policy';
import { planVariables, splitSeedArchive } from './core/seed';
import { readZip } from './core/zip';

const env = defineEnv({
  [GITLAB_MLOPS_ENV.GITLAB_URL]: z.url(),
  [GITLAB_MLOPS_ENV.TOKEN_SECRET_ID]: z.string().check(z.minLength(1)),
  [GITLAB_MLOPS_ENV.SEED_BUCKET]: z.string().check(z.minLength(1)),
  [GITLAB_MLOPS_ENV.SEED_KEY]: z.string().check(z.minLength(1)),
  [GITLAB_MLOPS_ENV.ALLOWED_TOKEN_SECRET_IDS]: envList().check(z.minLength(1)),
  [GITLAB_MLOPS_ENV.ALLOWED_GROUP_PATHS]: envList(),
});
const logger = createLogger();
const metrics = createMetrics();
const s3 = new S3Client({});
const secrets = new SecretsManagerClient({});

const repositoryName = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/, 'expected a GitLab project path (letters, digits, . _ -)'));
const variables = z._default(z.record(z.string(), z.string()), {});

/** Properties of the `Custom::GitLabSeedCheckIn` resource (CloudFormation sends every scalar as a string). */
const propertiesSchema = z.object({
  GroupPath: z
    .string()
    .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'expected a GitLab group full path such as ml/team-a')),
  BuildRepositoryName: repositoryName,
  DeployRepositoryName: repositoryName,
  Branch: z.string().check(z.minLength(1)),
  SageMakerProjectName: z.string().check(z.minLength(1)),
  SageMakerProjectId: z.string().check(z.minLength(1)),
  DeletePolicy: z._default(z.enum(DELETE_POLICIES), 'retain'),
  BuildVariables: variables,
  DeployVariables: variables,
});
type Properties = z.infer<typeof propertiesSchema>;

const eventSchema = z.discriminatedUnion('RequestType', [
  z.object({ RequestType: z.literal('Create'), ResourceProperties: z.record(z.string(), z.unknown()) }),
  z.object({
    RequestType: z.literal('Update'),
    PhysicalResourceId: z.string(),
    ResourceProperties: z.record(z.string(), z.unknown()),
  }),
  z.object({
    RequestType: z.literal('Delete'),
    PhysicalResourceId: z.string(),
    ResourceProperties: z.record(z.string(), z.unknown()),
  }),
]);

/** Response to the Provider framework. */
export interface CheckInResponse {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

const PHYSICAL_ID_PREFIX = 'gitlab:';

function physicalIdOf(p: Properties): string {
  return `${PHYSICAL_ID_PREFIX}${fullPathOf(p.GroupPath, p.BuildRepositoryName)},${fullPathOf(p.GroupPath, p.DeployRepositoryName)}`;
}

function parseProperties(raw: Record<string, unknown>): Properties {
  const result = propertiesSchema.safeParse(raw);
  if (!result.success) {
    throw new Error(
      `Invalid ${'Custom::GitLabSeedCheckIn'} properties: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return result.data;
}

async function readSeedArchive(): Promise<Buffer> {
  const { SEED_BUCKET: bucket, SEED_KEY: key } = env();
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!object.Body) throw new Error(`Seed archive s3://${bucket}/${key} has no body`);
  return Buffer.from(await object.Body.transformToByteArray());
}

/** The secret came from a launch parameter: use it only if the administrator allows it. */
function checkTokenSecret(): void {
  const config = env();
  checkLaunchChoice({
    parameter: LAUNCH_PARAMETERS.TOKEN_SECRET_NAME,
    value: config[GITLAB_MLOPS_ENV.TOKEN_SECRET_ID],
    allowed: config[GITLAB_MLOPS_ENV.ALLOWED_TOKEN_SECRET_IDS],
    configKey: 'gitlabMlops.allowedTokenSecretNames',
  });
}

async function gitlab() {
  const config = env();
  checkTokenSecret();
  const token = await readGitLabToken(secrets, config[GITLAB_MLOPS_ENV.TOKEN_SECRET_ID]);
  return createGitLabClient(config[GITLAB_MLOPS_ENV.GITLAB_URL], token);
}

async function createOrUpdate(p: Properties): Promise<CheckInResponse> {
  // Launch choices first: a refused secret or group must not leave anything behind.
  checkTokenSecret();
  checkLaunchChoice({
    parameter: LAUNCH_PARAMETERS.GROUP_PATH,
    value: p.GroupPath,
    allowed: env()[GITLAB_MLOPS_ENV.ALLOWED_GROUP_PATHS],
    configKey: 'gitlabMlops.allowedGroupPaths',
  });
  // Validate the variables before touching GitLab: a refused variable must not leave half-made projects.
  const buildVariables = planVariables(p.BuildVariables);
  const deployVariables = planVariables(p.DeployVariables);
  const seed = splitSeedArchive(readZip(await readSeedArchive()));
  const outcomes = await checkIn(await gitlab(), {
    groupPath: p.GroupPath,
    branch: p.Branch,
    projectName: p.SageMakerProjectName,
    projectId: p.SageMakerProjectId,
    repositories: [
      { name: p.BuildRepositoryName, files: seed.build, variables: buildVariables },
      { name: p.DeployRepositoryName, files: seed.deploy, variables: deployVariables },
    ],
  });
  const seeded = outcomes.filter((o) => o.seeded).length;
  metrics.addMetric(GITLAB_MLOPS_METRICS.PROJECTS_SEEDED, MetricUnit.Count, seeded);
  logger.info('GitLab projects checked in', { outcomes: outcomes.map((o) => ({ ...o })) });
  const [build, deploy] = outcomes;
  return {
    PhysicalResourceId: physicalIdOf(p),
    Data: {
      BuildProjectId: String(build?.projectId ?? ''),
      BuildProjectUrl: build?.webUrl ?? '',
      DeployProjectId: String(deploy?.projectId ?? ''),
      DeployProjectUrl: deploy?.webUrl ?? '',
    },
  };
}

async function remove(physicalId: string, p: Properties): Promise<CheckInResponse> {
  // A Create that failed before returning an id reaches us with CloudFormation's placeholder: nothing to remove.
  if (!physicalId.startsWith(PHYSICAL_ID_PREFIX)) {
    logger.info('Nothing to remove: the resource was never created', { physicalId });
    return { PhysicalResourceId: physicalId };
  }
  if (p.DeletePolicy === 'retain') {
    logger.info('Delete policy is retain: GitLab projects are kept', { physicalId });
    return { PhysicalResourceId: physicalId };
  }
  const outcomes = await removeProjects(
    await gitlab(),
    { groupPath: p.GroupPath, projectId: p.SageMakerProjectId, names: [p.BuildRepositoryName, p.DeployRepositoryName] },
    p.DeletePolicy,
  );
  logger.info('GitLab projects removed according to the delete policy', {
    policy: p.DeletePolicy,
    outcomes: outcomes.map((o) => ({ ...o })),
  });
  return { PhysicalResourceId: physicalId };
}

/**
 * `Custom::GitLabSeedCheckIn` (Provider framework onEvent): Create and Update create or reuse both GitLab projects,
 * seed empty repositories in one commit, protect the branch and set the CI/CD variables; Delete applies the delete
 * policy. Any failure throws, so CloudFormation receives GitLab's message and rolls back.
 */
export const handler = async (event: unknown): Promise<CheckInResponse> => {
  try {
    const parsed = eventSchema.parse(event);
    const properties = parseProperties(parsed.ResourceProperties);
    logger.appendKeys({ requestType: parsed.RequestType, sageMakerProjectId: properties.SageMakerProjectId });
    logger.debug('Check-in request', {
      groupPath: properties.GroupPath,
      repositories: [properties.BuildRepositoryName, properties.DeployRepositoryName],
      branch: properties.Branch,
      deletePolicy: properties.DeletePolicy,
      variables: [...Object.keys(properties.BuildVariables), ...Object.keys(properties.DeployVariables)],
    });
    if (parsed.RequestType === 'Delete') return await remove(parsed.PhysicalResourceId, properties);
    return await createOrUpdate(properties);
  } catch (error) {
    metrics.addMetric(GITLAB_MLOPS_METRICS.SEED_CHECK_IN_FAILURES, MetricUnit.Count, 1);
    logger.error('Seed check-in failed', {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    throw error;
  } finally {
    flushMetrics(metrics);
    logger.resetKeys();
  }
};
