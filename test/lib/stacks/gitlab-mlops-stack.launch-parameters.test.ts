import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SynthesisMessageLevel } from 'aws-cdk-lib/cx-api';
import { type TemplateJson, realApp, synthesizedTemplates } from '../../helpers/app';

/**
 * Launch parameters of the GitLab project product (issue #10, kind 8): no privilege is chosen by the launching user.
 * The token secret and the GitLab group are the portfolio administrator's choice (configuration), the template
 * restricts the parameters to them, and the grant covers only the allowed secrets.
 */

/** The field case: a launch naming another team's token secret. */
const launch = (
  JSON.parse(
    readFileSync(join(__dirname, '../../fixtures/gitlab-mlops/product-parameters-foreign-secret.json'), 'utf8'),
  ) as { Key: string; Value: string }[]
).reduce<Record<string, string>>((all, p) => ({ ...all, [p.Key]: p.Value }), {});

const PRODUCT = 'Mlw-GitLabMlops/ProjectTemplate/ProductTemplate';
const ONLY_GITLAB = {
  'example.enabled': 'false',
  'activeLearning.enabled': 'false',
  'reviewPortal.enabled': 'false',
  'labelingChain.enabled': 'false',
  'streamingAnomaly.enabled': 'false',
  'customLabelsAssist.enabled': 'false',
  'gitlabMlops.assetBucketName': 'team-gitlab-mlops-assets',
};

interface Parameter {
  Type: string;
  Default?: string;
  AllowedValues?: string[];
  AllowedPattern?: string;
  MaxLength?: number;
  ConstraintDescription?: string;
}

function productTemplate(
  context: Record<string, string> = {},
): TemplateJson & { Parameters: Record<string, Parameter> } {
  return synthesizedTemplates(realApp({ ...ONLY_GITLAB, ...context })).get(PRODUCT) as TemplateJson & {
    Parameters: Record<string, Parameter>;
  };
}

/**
 * CloudFormation's own check of launch parameters against the template (what Service Catalog runs before creating
 * anything): allowed values, the pattern (the whole value), the length. Returns the failure messages.
 */
function validateLaunch(parameters: Record<string, Parameter>, values: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const p = parameters[name];
    if (!p) {
      problems.push(`${name}: not a parameter of the template`);
      continue;
    }
    const ok =
      (p.AllowedValues === undefined || p.AllowedValues.includes(value)) &&
      (p.AllowedPattern === undefined || new RegExp(`^(?:${p.AllowedPattern})$`).test(value)) &&
      (p.MaxLength === undefined || value.length <= p.MaxLength);
    if (!ok) problems.push(`${name}: ${p.ConstraintDescription ?? 'malformed'}`);
  }
  return problems;
}

/** Resources of every `secretsmanager:GetSecretValue` statement of the template, as text. */
function secretGrants(template: TemplateJson): string[] {
  return Object.values(template.Resources ?? {})
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .flatMap(
      (r) =>
        (r.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement,
    )
    .filter((s) => [s.Action].flat().some((a) => a.startsWith('secretsmanager:')))
    .map((s) => JSON.stringify(s.Resource));
}

describe('GitLab product launch parameters', () => {
  const template = productTemplate();

  it('refuses the field case at launch: the secret is not one the administrator configured', () => {
    expect(template.Parameters.GitLabTokenSecretName).toMatchObject({
      Default: 'gitlab/mlops-token',
      AllowedValues: ['gitlab/mlops-token'],
    });
    expect(validateLaunch(template.Parameters, launch)).toEqual([
      'GitLabTokenSecretName: must be one of the secrets the portfolio administrator allows (gitlabMlops.allowedTokenSecretNames): gitlab/mlops-token',
    ]);
    // The same launch with the configured secret passes.
    expect(validateLaunch(template.Parameters, { ...launch, GitLabTokenSecretName: 'gitlab/mlops-token' })).toEqual([]);
  });

  it('grants GetSecretValue on the configured secrets only, whatever a launch names', () => {
    const grants = secretGrants(template);
    expect(grants.length).toBe(2); // seed check-in and deploy trigger
    for (const grant of grants) {
      expect(grant).toContain(':secret:gitlab/mlops-token-??????');
      expect(grant).not.toContain('GitLabTokenSecretName');
    }
  });

  it('restricts every launch parameter: none is free text', () => {
    for (const [name, parameter] of Object.entries(template.Parameters).filter(([n]) => n !== 'BootstrapVersion')) {
      expect([name, parameter.AllowedValues !== undefined || parameter.AllowedPattern !== undefined]).toEqual([
        name,
        true,
      ]);
    }
  });

  it('lets the administrator allow more secrets and restrict the groups; the handlers get the same lists', () => {
    const configured = productTemplate({
      'gitlabMlops.allowedTokenSecretNames': 'gitlab/team-a-token,gitlab/team-b-token',
      'gitlabMlops.allowedGroupPaths': 'ml/team-b,ml/shared',
    });
    expect(configured.Parameters.GitLabTokenSecretName!.AllowedValues).toEqual([
      'gitlab/mlops-token',
      'gitlab/team-a-token',
      'gitlab/team-b-token',
    ]);
    expect(configured.Parameters.GitLabGroupPath!.AllowedValues).toEqual(['ml/team-b', 'ml/shared']);
    // The field case's secret is allowed now, its group is not.
    expect(validateLaunch(configured.Parameters, launch)).toEqual([
      'GitLabGroupPath: must be one of the groups the portfolio administrator allows (gitlabMlops.allowedGroupPaths): ml/team-b, ml/shared',
    ]);
    for (const grant of secretGrants(configured)) {
      for (const name of ['gitlab/mlops-token', 'gitlab/team-a-token', 'gitlab/team-b-token'])
        expect(grant).toContain(`:secret:${name}-??????`);
    }
    const environments = Object.values(configured.Resources ?? {})
      .filter((r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r).includes('GITLAB_TOKEN_SECRET_ID'))
      .map((r) => (r.Properties?.Environment as { Variables: Record<string, unknown> }).Variables);
    expect(environments).toHaveLength(2);
    for (const variables of environments) {
      expect(variables.GITLAB_ALLOWED_TOKEN_SECRET_IDS).toBe(
        'gitlab/mlops-token,gitlab/team-a-token,gitlab/team-b-token',
      );
    }
    expect(environments.map((v) => v.GITLAB_ALLOWED_GROUP_PATHS)).toContain('ml/team-b,ml/shared');
  });
});

describe('GitLab handlers in a VPC', () => {
  it('synthesizes without a warning a user cannot act on (the VPC import warnings are acknowledged with reasons)', () => {
    const app = realApp({
      ...ONLY_GITLAB,
      'gitlabMlops.vpcId': 'vpc-0123456789abcdef0',
      'gitlabMlops.subnetIds': 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
      'gitlabMlops.securityGroupIds': 'sg-0123456789abcdef0',
    });
    const assembly = app.synth();
    const warnings = assembly.stacks.flatMap((s) =>
      s.messages
        .filter((m) => m.level === SynthesisMessageLevel.WARNING)
        .map((m) => `${m.id}: ${JSON.stringify(m.entry.data)}`),
    );
    expect(warnings).toEqual([]);
    // The handlers are in the VPC all the same.
    const template = synthesizedTemplates(app).get(PRODUCT)!;
    const vpcConfigs = Object.values(template.Resources ?? {})
      .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.VpcConfig !== undefined)
      .map((r) => r.Properties?.VpcConfig);
    expect(vpcConfigs).toHaveLength(2);
    expect(vpcConfigs[0]).toMatchObject({
      SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
      SecurityGroupIds: ['sg-0123456789abcdef0'],
    });
  });
});
