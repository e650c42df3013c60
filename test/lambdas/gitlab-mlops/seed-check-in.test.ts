import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { FakeGitLab } from '../../helpers/fake-gitlab';
import { localS3Client, useLocalServices } from '../../helpers/local-services';
import { BINARY_SAMPLE, seedArchiveWithBinary } from '../../helpers/zip-fixture';

const TOKEN = 'glpat-Sup3rS3cretT0ken-xyz';
const SECRET_ID = 'gitlab/mlops-token';
const BUCKET = 'product-assets';
const SEED_KEY = 'seed/abc123.zip';
const ROLE = 'arn:aws:iam::123456789012:role/SC-123456789012-pp-abc-BuildRole-XYZ';

const services = useLocalServices('s3');
const secrets = mockClient(SecretsManagerClient);
const gitlab = new FakeGitLab({ tokens: [TOKEN] });

type Handler = (event: unknown) => Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }>;
let handler: Handler;
const logLines: string[] = [];

function properties(group: string, overrides: Record<string, unknown> = {}) {
  return {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
    GroupPath: group,
    BuildRepositoryName: 'churn-model-build',
    DeployRepositoryName: 'churn-model-deploy',
    Branch: 'main',
    SageMakerProjectName: 'churn',
    SageMakerProjectId: 'p-abc123def456',
    DeletePolicy: 'retain',
    BuildVariables: { AWS_REGION: 'us-east-1', AWS_ROLE_ARN: ROLE, MODEL_PACKAGE_GROUP_NAME: 'churn-p-abc123def456' },
    DeployVariables: {
      AWS_REGION: 'us-east-1',
      AWS_ROLE_ARN: ROLE.replace('Build', 'Deploy'),
      STAGING_STACK_NAME: 'sagemaker-churn-p-abc123def456-staging',
    },
    ...overrides,
  };
}

function event(requestType: 'Create' | 'Update' | 'Delete', props: Record<string, unknown>, physicalId?: string) {
  return {
    RequestType: requestType,
    ServiceToken: props.ServiceToken,
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/SC-123456789012-pp-abc/guid',
    RequestId: 'req-1',
    ResourceType: 'Custom::GitLabSeedCheckIn',
    LogicalResourceId: 'SeedCheckIn',
    ResourceProperties: props,
    ...(physicalId === undefined ? {} : { PhysicalResourceId: physicalId }),
    ...(requestType === 'Update' ? { OldResourceProperties: props } : {}),
  };
}

beforeAll(async () => {
  await gitlab.start();
  const s3 = localS3Client(services.s3.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: SEED_KEY, Body: seedArchiveWithBinary() }));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: services.s3.endpoint,
    AWS_S3_FORCE_PATH_STYLE: 'true',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    GITLAB_URL: gitlab.url,
    GITLAB_TOKEN_SECRET_ID: SECRET_ID,
    GITLAB_ALLOWED_TOKEN_SECRET_IDS: `${SECRET_ID},gitlab/other-allowed-token`,
    GITLAB_ALLOWED_GROUP_PATHS: '',
    SEED_BUCKET: BUCKET,
    SEED_KEY,
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
  });
  // Capture every line the handler writes (Powertools writes to stdout/stderr), at DEBUG level.
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logLines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  }
  ({ handler } = await import('../../../lambdas/gitlab-mlops/seed-check-in'));
});

beforeEach(() => {
  secrets.reset();
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: `  {"token": "${TOKEN}"}\n` });
});

afterAll(async () => {
  jest.restoreAllMocks();
  await gitlab.stop();
  delete process.env.AWS_ENDPOINT_URL_S3;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

describe('seed check-in custom resource against a fake GitLab', () => {
  it('Create: creates both projects, seeds each in one commit, protects main and sets variables', async () => {
    gitlab.addGroup('ml/team-a');
    const result = await handler(event('Create', properties('ml/team-a')));

    expect(result.PhysicalResourceId).toBe('gitlab:ml/team-a/churn-model-build,ml/team-a/churn-model-deploy');
    const build = gitlab.project('ml/team-a/churn-model-build')!;
    const deploy = gitlab.project('ml/team-a/churn-model-deploy')!;
    expect(result.Data).toEqual({
      BuildProjectId: String(build.id),
      BuildProjectUrl: `${gitlab.url}/ml/team-a/churn-model-build`,
      DeployProjectId: String(deploy.id),
      DeployProjectUrl: `${gitlab.url}/ml/team-a/churn-model-deploy`,
    });
    // Looked up by full path (URL-encoded), never by search.
    expect(gitlab.requestsTo(/^\/api\/v4\/projects\/ml\/team-a\/churn-model-build$/, 'GET').length).toBeGreaterThan(0);
    expect(gitlab.requests.some((r) => 'search' in r.query)).toBe(false);
    expect(build.topics).toContain('sagemaker-project-p-abc123def456');
    for (const project of [build, deploy]) {
      expect(project.commits).toHaveLength(1);
      expect(project.protectedBranches.has('main')).toBe(true);
    }
    const files = build.branches.get('main')!;
    expect(files.get('.gitlab-ci.yml')?.data.toString()).toContain('assume-role-with-web-identity');
    expect(deploy.branches.get('main')!.get('scripts/deploy_stack.sh')?.executable).toBe(true);
    // One commit request per repository carries every seed file.
    const commitRequests = gitlab.requestsTo(/\/repository\/commits$/, 'POST');
    expect(commitRequests).toHaveLength(2);
    expect((commitRequests[0]!.body.actions as unknown[]).length).toBeGreaterThanOrEqual(files.size);

    expect(build.variables.get('AWS_ROLE_ARN')).toMatchObject({ value: ROLE, masked: true, protected: true });
    expect(build.variables.get('AWS_REGION')).toMatchObject({ value: 'us-east-1', masked: false, protected: false });
    expect(deploy.variables.get('STAGING_STACK_NAME')?.value).toBe('sagemaker-churn-p-abc123def456-staging');
    expect(
      [...build.variables.keys(), ...deploy.variables.keys()].some(
        (k) => k.startsWith('AWS_ACCESS') || k.startsWith('AWS_SECRET'),
      ),
    ).toBe(false);
  });

  it('a binary seed file arrives byte-identical (read back through the files API)', async () => {
    const response = await fetch(
      `${gitlab.url}/api/v4/projects/${encodeURIComponent('ml/team-a/churn-model-build')}/repository/files/${encodeURIComponent('tests/data/blob.bin')}/raw?ref=main`,
      {
        headers: { 'PRIVATE-TOKEN': TOKEN },
      },
    );
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(BINARY_SAMPLE)).toBe(true);
    const commit = gitlab.requestsTo(/\/repository\/commits$/, 'POST')[0]!;
    const action = (commit.body.actions as Record<string, unknown>[]).find(
      (a) => a.file_path === 'tests/data/blob.bin',
    );
    expect(action).toMatchObject({ action: 'create', encoding: 'base64' });
  });

  it('Create again (re-delivered) is idempotent: no new project, no new commit, same id', async () => {
    const before = gitlab.requests.length;
    const result = await handler(event('Create', properties('ml/team-a')));
    expect(result.PhysicalResourceId).toBe('gitlab:ml/team-a/churn-model-build,ml/team-a/churn-model-deploy');
    expect(gitlab.project('ml/team-a/churn-model-build')!.commits).toHaveLength(1);
    const again = gitlab.requests.slice(before);
    expect(again.filter((r) => r.method === 'POST' && r.path === '/api/v4/projects')).toHaveLength(0);
    expect(again.filter((r) => r.path.endsWith('/repository/commits'))).toHaveLength(0);
    // The variables already exist: GitLab answers "has already been taken" and the handler updates them.
    expect(again.filter((r) => r.method === 'PUT' && /\/variables\/AWS_ROLE_ARN$/.test(r.path))).toHaveLength(2);
  });

  it('Update changes variable values and never overwrites the code', async () => {
    const props = properties('ml/team-a', {
      BuildVariables: { AWS_REGION: 'eu-west-1', AWS_ROLE_ARN: ROLE, NEW_VARIABLE: 'x' },
    });
    const result = await handler(
      event('Update', props, 'gitlab:ml/team-a/churn-model-build,ml/team-a/churn-model-deploy'),
    );
    expect(result.PhysicalResourceId).toBe('gitlab:ml/team-a/churn-model-build,ml/team-a/churn-model-deploy');
    const build = gitlab.project('ml/team-a/churn-model-build')!;
    expect(build.variables.get('AWS_REGION')?.value).toBe('eu-west-1');
    expect(build.variables.get('NEW_VARIABLE')?.value).toBe('x');
    expect(build.commits).toHaveLength(1);
  });

  it('reuses an existing project with code: no seed commit, variables set, and never deletes it', async () => {
    gitlab.addProject('ml/team-b/churn-model-build', { files: { 'train.py': 'print("mine")\n' } });
    const props = properties('ml/team-b', { DeletePolicy: 'delete' });
    const result = await handler(event('Create', props));
    const existing = gitlab.project('ml/team-b/churn-model-build')!;
    expect(existing.commits).toHaveLength(1);
    expect([...existing.branches.get('main')!.keys()]).toEqual(['train.py']);
    expect(existing.variables.get('AWS_ROLE_ARN')?.masked).toBe(true);
    expect(gitlab.project('ml/team-b/churn-model-deploy')!.commits).toHaveLength(1);

    await handler(event('Delete', props, result.PhysicalResourceId));
    expect(existing.deleted).toBe(false);
    expect(gitlab.project('ml/team-b/churn-model-deploy')!.deleted).toBe(true);
  });

  it('recovers when GitLab says "has already been taken" (a concurrent create won the race)', async () => {
    gitlab.addGroup('ml/team-c');
    gitlab.addProject('ml/team-c/churn-model-build', { topics: ['sagemaker-project-p-abc123def456'] });
    // The first lookup misses (as if the other create had not finished), so the handler tries to create it.
    gitlab.failNext('GET', /^\/api\/v4\/projects\/ml\/team-c\/churn-model-build$/, 404, {
      message: '404 Project Not Found',
    });
    await handler(event('Create', properties('ml/team-c')));
    const creates = gitlab
      .requestsTo(/^\/api\/v4\/projects$/, 'POST')
      .filter((r) => r.body.path === 'churn-model-build' && r.body.namespace_id === gitlab.addGroup('ml/team-c').id);
    expect(creates).toHaveLength(1);
    expect(gitlab.project('ml/team-c/churn-model-build')!.commits).toHaveLength(1);
  });

  describe('Delete policies', () => {
    async function created(group: string, policy: string) {
      gitlab.addGroup(group);
      const props = properties(group, { DeletePolicy: policy });
      const { PhysicalResourceId } = await handler(event('Create', props));
      return { props, id: PhysicalResourceId };
    }

    it('retain (default) keeps the projects and does not call GitLab', async () => {
      const { props, id } = await created('ml/retain', 'retain');
      const before = gitlab.requests.length;
      expect(await handler(event('Delete', props, id))).toEqual({ PhysicalResourceId: id });
      expect(gitlab.requests.length).toBe(before);
      expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
      expect(gitlab.project('ml/retain/churn-model-build')).toMatchObject({ archived: false, deleted: false });
    });

    it('archive archives both projects', async () => {
      const { props, id } = await created('ml/archive', 'archive');
      await handler(event('Delete', props, id));
      expect(gitlab.project('ml/archive/churn-model-build')).toMatchObject({ archived: true, deleted: false });
      expect(gitlab.project('ml/archive/churn-model-deploy')).toMatchObject({ archived: true, deleted: false });
      // Deleting again (CloudFormation retries) is harmless.
      await expect(handler(event('Delete', props, id))).resolves.toEqual({ PhysicalResourceId: id });
    });

    it('delete deletes both projects; projects already gone are fine', async () => {
      const { props, id } = await created('ml/delete', 'delete');
      await handler(event('Delete', props, id));
      expect(gitlab.project('ml/delete/churn-model-build')?.deleted).toBe(true);
      expect(gitlab.project('ml/delete/churn-model-deploy')?.deleted).toBe(true);
      await expect(handler(event('Delete', props, id))).resolves.toEqual({ PhysicalResourceId: id });
    });

    it('a Delete after a failed Create (placeholder id) does nothing', async () => {
      const before = gitlab.requests.length;
      await expect(
        handler(event('Delete', properties('ml/none', { DeletePolicy: 'delete' }), 'req-1')),
      ).resolves.toEqual({ PhysicalResourceId: 'req-1' });
      expect(gitlab.requests.length).toBe(before);
    });
  });

  describe("errors reach CloudFormation with GitLab's message", () => {
    it('401 Unauthorized for a wrong token', async () => {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: 'glpat-wrong-token-000' });
      await expect(handler(event('Create', properties('ml/team-a')))).rejects.toThrow(
        'GitLab GET /projects/ml/team-a/churn-model-build failed (HTTP 401): 401 Unauthorized',
      );
    });

    it('404 for a group that does not exist', async () => {
      await expect(handler(event('Create', properties('ml/missing')))).rejects.toThrow('group ml/missing not found');
    });

    it('a server error on the commit', async () => {
      gitlab.addGroup('ml/broken');
      gitlab.failNext('POST', /\/repository\/commits$/, 500, { message: '500 Internal Server Error' });
      await expect(handler(event('Create', properties('ml/broken')))).rejects.toThrow(
        /repository\/commits failed \(HTTP 500\): 500 Internal Server Error/,
      );
    });

    it('a refused variable before any project is created', async () => {
      const before = gitlab.requests.length;
      await expect(
        handler(
          event('Create', properties('ml/team-a', { BuildVariables: { AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) } })),
        ),
      ).rejects.toThrow('AWS_SECRET_ACCESS_KEY is refused');
      expect(gitlab.requests.length).toBe(before);
    });

    it('an unreachable server (the adapter names the call, not the token)', async () => {
      const stopped = new FakeGitLab({ tokens: [TOKEN] });
      await stopped.start();
      await stopped.stop();
      const { createGitLabClient } = await import('../../../lambdas/gitlab-mlops/adapters/gitlab');
      const failure = createGitLabClient(stopped.url, TOKEN, 2_000).findProject('a/b');
      await expect(failure).rejects.toThrow(/GitLab GET \/projects\/a\/b failed: TypeError: fetch failed/);
      await expect(failure).rejects.not.toThrow(TOKEN);
    });
  });

  it('never writes the token to any log line, even at DEBUG and on errors', () => {
    const text = logLines.join('');
    expect(text).toContain('GitLab projects checked in');
    expect(text).toContain('Seed check-in failed');
    expect(text).toMatch(/"level":"DEBUG".*"message":"Check-in request"/);
    expect(text.includes(TOKEN)).toBe(false);
    expect(text.includes('glpat-wrong-token-000')).toBe(false);
  });
});
