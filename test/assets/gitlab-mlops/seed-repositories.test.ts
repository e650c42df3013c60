import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORE_SCHEMA, Schema, defineScalarTag, defineSequenceTag, load } from 'js-yaml';
import { DEPLOY_PIPELINE_VARIABLES, ENDPOINT_STACK_MODEL_PARAMETER } from '../../../lambdas/gitlab-mlops/contract';
import { assetPath } from '../../../lib/shared/paths';

type Job = Record<string, unknown> & {
  stage?: string;
  script?: string[];
  rules?: Record<string, unknown>[];
  extends?: string | string[];
};
type CiFile = Record<string, unknown> & { stages: string[]; default: { image: string } };

const read = (path: string) => readFileSync(assetPath(`gitlab-mlops/${path}`), 'utf8');
const ci = (repo: string) => load(read(`${repo}/.gitlab-ci.yml`)) as CiFile;
const job = (file: CiFile, name: string) => file[name] as Job;
const extendsOf = (j: Job) => (Array.isArray(j.extends) ? j.extends : j.extends === undefined ? [] : [j.extends]);

/** CloudFormation short-form tags (`!Ref`, `!GetAtt`, `!If`, `!Not`, `!Equals`) as their long forms. */
const cfnSchema = new Schema([
  ...CORE_SCHEMA.tags,
  defineScalarTag('!Ref', { resolve: (s) => ({ Ref: s }), identify: () => false }),
  defineScalarTag('!GetAtt', { resolve: (s) => ({ 'Fn::GetAtt': s.split('.') }), identify: () => false }),
  ...['If', 'Not', 'Equals'].map((fn) =>
    defineSequenceTag<unknown[], Record<string, unknown[]>>(`!${fn}`, {
      create: () => [],
      addItem: (carrier, item) => {
        carrier.push(item);
      },
      finalize: (carrier) => ({ [`Fn::${fn}`]: carrier }),
      identify: () => false,
    }),
  ),
]);

/** `$VAR` and `${VAR}` references in a text. */
function referencedVariables(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{?([A-Z][A-Z0-9_]*)\}?/g)].map((m) => m[1]!));
}

/** Variables GitLab defines itself, or that the files define for their own jobs. */
const PREDEFINED = /^(CI_.*|GITLAB_OIDC_TOKEN|PIP_.*|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN)$/;

/** The CI/CD variables the product template sets on each repository (read from the construct source of truth). */
function templateVariables(kind: 'BuildVariables' | 'DeployVariables'): Set<string> {
  const source = readFileSync(join(__dirname, '../../../lib/constructs/gitlab-mlops/handlers.ts'), 'utf8');
  const block = source.slice(source.indexOf(`${kind}: {`), source.indexOf('},', source.indexOf(`${kind}: {`)));
  return new Set([...block.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!));
}

describe('model-build seed repository', () => {
  const file = ci('model-build');

  it('parses as YAML with a pinned image and the test → build stages', () => {
    expect(file.default.image).toMatch(/^python:\d+\.\d+\.\d+-slim-[a-z]+$/);
    expect(file.stages).toEqual(['test', 'build']);
  });

  it('gets AWS credentials only through GitLab OIDC (id_tokens → assume-role-with-web-identity)', () => {
    const oidc = job(file, '.aws-oidc');
    expect(oidc.id_tokens).toEqual({ GITLAB_OIDC_TOKEN: { aud: '$AWS_OIDC_AUDIENCE' } });
    const script = (oidc.before_script as string[]).join('\n');
    expect(script).toContain('aws sts assume-role-with-web-identity');
    expect(script).toContain('--role-arn "${AWS_ROLE_ARN}"');
    expect(script).toContain('--web-identity-token "${GITLAB_OIDC_TOKEN}"');
    expect(JSON.stringify(file.variables)).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
  });

  it('runs unit tests everywhere and the SageMaker pipeline only on the protected default branch', () => {
    const tests = job(file, 'unit-tests');
    expect(tests.stage).toBe('test');
    expect(tests.id_tokens).toBeUndefined();
    expect(tests.script?.join('\n')).toContain('pytest');
    const run = job(file, 'run-pipeline');
    expect(run.stage).toBe('build');
    expect(extendsOf(run)).toEqual(['.aws-oidc']);
    expect(run.rules).toEqual([{ if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' }]);
    const script = run.script!.join('\n');
    expect(script).toContain('python -m pipelines.run_pipeline');
    expect(script).toContain('--model-package-group-name "${MODEL_PACKAGE_GROUP_NAME}"');
  });

  it('defines a tabular regression pipeline: processing, training, evaluation, conditional registration', () => {
    const pipeline = read('model-build/pipelines/regression/pipeline.py');
    for (const step of [
      'ProcessingStep(\n        name="Preprocess"',
      'TrainingStep(\n        name="Train"',
      'ProcessingStep(\n        name="Evaluate"',
      'ConditionStep(\n        name="MseBelowThreshold"',
      'ModelStep(\n        name="Register"',
    ]) {
      expect(pipeline).toContain(step);
    }
    expect(pipeline).toContain('ConditionLessThanOrEqualTo(left=mse, right=mse_threshold)');
    expect(pipeline).toContain('"ModelApprovalStatus", default_value="PendingManualApproval"');
    expect(pipeline).toContain('objective="reg:squarederror"');
    expect(read('model-build/pipelines/regression/evaluate.py')).toContain('"regression_metrics"');
  });

  it('uses only variables the template sets, GitLab predefines or the file defines', () => {
    const provided = templateVariables('BuildVariables');
    const unknown = [...referencedVariables(read('model-build/.gitlab-ci.yml'))].filter(
      (v) => !provided.has(v) && !PREDEFINED.test(v),
    );
    expect(unknown).toEqual([]);
  });
});

describe('model-deploy seed repository', () => {
  const file = ci('model-deploy');

  it('parses as YAML with a pinned image and build → staging deploy → staging test → production deploy', () => {
    expect(file.default.image).toMatch(/^python:\d+\.\d+\.\d+-slim-[a-z]+$/);
    expect(file.stages).toEqual(['build', 'deploy-staging', 'test-staging', 'deploy-prod']);
    expect(job(file, 'build').stage).toBe('build');
    expect(job(file, 'deploy-staging').stage).toBe('deploy-staging');
    expect(job(file, 'test-staging').stage).toBe('test-staging');
    expect(job(file, 'deploy-prod').stage).toBe('deploy-prod');
  });

  it('deploys to production only by hand, on the default branch, blocking the pipeline until then', () => {
    const prod = job(file, 'deploy-prod');
    expect(prod.rules).toEqual([
      { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH', when: 'manual', allow_failure: false },
    ]);
    expect(prod.environment).toEqual({ name: 'production' });
    expect(prod.script?.join('\n')).toContain(
      'scripts/deploy_stack.sh "${PROD_STACK_NAME}" endpoint-config-template.yml build/prod-parameters.json',
    );
    const staging = job(file, 'deploy-staging');
    expect(staging.script?.join('\n')).toContain('scripts/deploy_stack.sh "${STAGING_STACK_NAME}"');
    expect(job(file, 'test-staging').script?.join('\n')).toContain(
      'tests/test_endpoint.py --endpoint-name "${STAGING_ENDPOINT_NAME}"',
    );
    for (const name of ['build', 'deploy-staging', 'test-staging', 'deploy-prod'])
      expect(extendsOf(job(file, name))).toContain('.aws-oidc');
    expect(job(file, '.default-branch-only').rules).toEqual([{ if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' }]);
  });

  it('takes the version from the deploy trigger and refuses anything not approved', () => {
    expect(job(file, 'build').script?.join('\n')).toContain(
      `--model-package-arn "\${${DEPLOY_PIPELINE_VARIABLES.MODEL_PACKAGE_ARN}}"`,
    );
    const build = read('model-deploy/scripts/build_parameters.py');
    expect(build).toContain('if package.get("ModelApprovalStatus") != "Approved":');
    expect(build).toContain('Refusing to deploy');
    expect(build).toContain('ModelApprovalStatus="Approved", SortBy="CreationTime", SortOrder="Descending"');
  });

  it('has a CloudFormation endpoint template whose ModelPackageArn parameter tells the trigger what is deployed', () => {
    const template = load(read('model-deploy/endpoint-config-template.yml'), { schema: cfnSchema }) as {
      Parameters: Record<string, unknown>;
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    expect(Object.keys(template.Parameters)).toContain(ENDPOINT_STACK_MODEL_PARAMETER);
    expect(template.Resources.Model).toMatchObject({
      Type: 'AWS::SageMaker::Model',
      Properties: { PrimaryContainer: { ModelPackageName: { Ref: ENDPOINT_STACK_MODEL_PARAMETER } } },
    });
    expect(template.Resources.EndpointConfig?.Type).toBe('AWS::SageMaker::EndpointConfig');
    expect(template.Resources.Endpoint).toMatchObject({
      Type: 'AWS::SageMaker::Endpoint',
      Properties: {
        EndpointName: { Ref: 'EndpointName' },
        EndpointConfigName: { 'Fn::GetAtt': ['EndpointConfig', 'EndpointConfigName'] },
      },
    });
    // build_parameters.py fills exactly the template's parameters.
    const build = read('model-deploy/scripts/build_parameters.py');
    for (const name of Object.keys(template.Parameters)) expect(build).toContain(`"${name}":`);
  });

  it('has a staging test that invokes the endpoint and checks the answer', () => {
    const test = read('model-deploy/tests/test_endpoint.py');
    expect(test).toContain('invoke_endpoint(');
    expect(test).toContain('if not low <= prediction <= high:');
    expect(test).toContain('return 1');
  });

  it('uses only variables the template sets, the trigger passes, GitLab predefines or the file defines', () => {
    const provided = new Set([...templateVariables('DeployVariables'), ...Object.values(DEPLOY_PIPELINE_VARIABLES)]);
    const texts = [
      read('model-deploy/.gitlab-ci.yml'),
      read('model-deploy/scripts/deploy_stack.sh'),
      read('model-deploy/scripts/build_parameters.py').replace(/os\.environ\["([A-Z_]+)"\]/g, '$$$1'),
    ];
    const unknown = texts
      .flatMap((t) => [...referencedVariables(t)])
      .filter((v) => !provided.has(v) && !PREDEFINED.test(v));
    expect([...new Set(unknown)]).toEqual([]);
  });
});

describe('deploy_stack.sh (run with a fake aws command)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlw-deploy-sh-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Run the script with an `aws` stub that logs its arguments and answers by scenario. */
  function run(
    scenario: 'exists-no-updates' | 'exists-updated' | 'missing' | 'exists-update-fails' | 'rollback-complete',
  ) {
    const log = join(dir, 'calls.log');
    const stub = join(dir, 'aws');
    writeFileSync(
      stub,
      `#!/usr/bin/env bash
echo "$*" >> "${log}"
case "$1 $2" in
  "cloudformation describe-stacks")
    case "${scenario}" in
      missing|rollback-complete)
        if grep -q "create-stack" "${log}"; then echo CREATE_COMPLETE; exit 0; fi
        if [[ "${scenario}" == rollback-complete ]] && ! grep -q "delete-stack" "${log}"; then echo ROLLBACK_COMPLETE; exit 0; fi
        echo "An error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id x does not exist" >&2; exit 254 ;;
      *) echo UPDATE_COMPLETE ;;
    esac ;;
  "cloudformation update-stack")
    case "${scenario}" in
      exists-no-updates) echo "An error occurred (ValidationError) when calling the UpdateStack operation: No updates are to be performed." >&2; exit 254 ;;
      exists-update-fails) echo "An error occurred (AccessDenied) when calling the UpdateStack operation: not authorized" >&2; exit 254 ;;
      *) echo '{"StackId": "id"}' ;;
    esac ;;
  *) exit 0 ;;
esac
`,
    );
    chmodSync(stub, 0o755);
    const script = assetPath('gitlab-mlops/model-deploy/scripts/deploy_stack.sh');
    let status = 0;
    let output = '';
    try {
      output = execFileSync(
        'bash',
        [script, 'sagemaker-churn-p-1-staging', 'endpoint-config-template.yml', 'build/staging-parameters.json'],
        {
          env: {
            ...process.env,
            PATH: `${dir}:${process.env.PATH}`,
            CLOUDFORMATION_ROLE_ARN: 'arn:aws:iam::123456789012:role/cfn',
            SAGEMAKER_PROJECT_NAME: 'churn',
            SAGEMAKER_PROJECT_ID: 'p-1',
          },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    } catch (error) {
      status = (error as { status: number }).status;
      output = String((error as { stdout: string }).stdout) + String((error as { stderr: string }).stderr);
    }
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    return { status, output, calls };
  }

  it('treats "No updates are to be performed" as success and does not wait', () => {
    const { status, output, calls } = run('exists-no-updates');
    expect(status).toBe(0);
    expect(output).toContain('already up to date');
    expect(calls.some((c) => c.startsWith('cloudformation wait'))).toBe(false);
  });

  it('updates an existing stack with the CloudFormation role and waits for it', () => {
    const { status, calls } = run('exists-updated');
    expect(status).toBe(0);
    expect(calls.find((c) => c.startsWith('cloudformation update-stack'))).toContain(
      '--role-arn arn:aws:iam::123456789012:role/cfn',
    );
    expect(calls).toContain('cloudformation wait stack-update-complete --stack-name sagemaker-churn-p-1-staging');
  });

  it('creates a missing stack and waits for it', () => {
    const { status, calls } = run('missing');
    expect(status).toBe(0);
    expect(
      calls.some((c) => c.startsWith('cloudformation create-stack --stack-name sagemaker-churn-p-1-staging')),
    ).toBe(true);
    expect(calls).toContain('cloudformation wait stack-create-complete --stack-name sagemaker-churn-p-1-staging');
  });

  it('replaces a stack left in ROLLBACK_COMPLETE by a failed first creation', () => {
    const { status, calls } = run('rollback-complete');
    expect(status).toBe(0);
    const order = ['delete-stack', 'wait stack-delete-complete', 'create-stack', 'wait stack-create-complete'].map(
      (c) => calls.findIndex((x) => x.includes(c)),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order.every((i) => i >= 0)).toBe(true);
  });

  it('fails on any other update error', () => {
    const { status, output } = run('exists-update-fails');
    expect(status).toBe(1);
    expect(output).toContain('not authorized');
  });
});
