import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../../lib/config';
import { GitLabMlopsProjectTemplate } from '../../../lib/constructs/gitlab-mlops';
import { GitLabMlopsStack } from '../../../lib/stacks/gitlab-mlops-stack';
import { realApp, stackOf, templateOf, testApp } from '../../helpers/app';

/** The product template as synthesized: ProductStack writes it into the cloud assembly as a file asset. */
function productTemplate(app: App, template: GitLabMlopsProjectTemplate): Template {
  const assembly = app.synth();
  return Template.fromJSON(
    JSON.parse(readFileSync(join(assembly.directory, template.productStack.templateFile), 'utf8')) as Record<
      string,
      unknown
    >,
  );
}

function stackWith(context: Record<string, unknown> = {}) {
  const app = testApp(context);
  const config = parseConfig(context);
  const stack = new GitLabMlopsStack(app, 'Mlw-GitLabMlops', { config: config.gitlabMlops, stackPrefix: 'Mlw' });
  const parent = templateOf(stack);
  return { app, stack, parent, product: productTemplate(app, stack.template) };
}

describe('GitLab MLOps stack (portfolio side)', () => {
  const { stack, parent, product } = stackWith();

  it('is part of the real app', () => {
    expect(stackOf(realApp(), 'Mlw-GitLabMlops')).toBeInstanceOf(GitLabMlopsStack);
    expect(realApp({ 'gitlabMlops.enabled': 'false' }).node.tryFindChild('Mlw-GitLabMlops')).toBeUndefined();
  });

  it('publishes a product tagged for SageMaker Studio, in a portfolio, with a launch constraint', () => {
    parent.hasResourceProperties('AWS::ServiceCatalog::CloudFormationProduct', {
      Name: 'MLOps with GitLab: model build, train and deploy',
      Tags: Match.arrayWith([{ Key: 'sagemaker:studio-visibility', Value: 'true' }]),
      ProvisioningArtifactParameters: [
        Match.objectLike({ Name: 'v1', Info: { LoadTemplateFromURL: Match.anyValue() } }),
      ],
    });
    parent.resourceCountIs('AWS::ServiceCatalog::Portfolio', 1);
    parent.hasResourceProperties('AWS::ServiceCatalog::LaunchRoleConstraint', {
      RoleArn: { 'Fn::GetAtt': [stack.getLogicalId(stack.template.launchRole.node.defaultChild as never), 'Arn'] },
    });
    parent.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'servicecatalog.amazonaws.com' } })],
      },
    });
  });

  it('scopes the launch role to the provisioned-product stacks and the managed policies the product needs', () => {
    const policies = parent.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: stack.getLogicalId(stack.template.launchRole.node.defaultChild as never) }] },
    });
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties.PolicyDocument
          .Statement,
    );
    const text = JSON.stringify(statements);
    expect(text).not.toContain('"Action":"*"');
    expect(text).not.toMatch(/"iam:\*"|"lambda:\*"|"s3:\*"/);
    const attach = statements.find((s) => JSON.stringify(s.Action).includes('iam:AttachRolePolicy'));
    expect(JSON.stringify(attach?.Condition)).toContain('AWSLambdaBasicExecutionRole');
    const pass = statements.find((s) => s.Action === 'iam:PassRole');
    expect(pass?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } });
    const unscoped = statements
      .filter((x) => x.Resource === '*')
      .map((x) => ({ Action: x.Action, Condition: x.Condition }));
    expect(unscoped).toEqual([
      { Action: ['cloudformation:GetTemplateSummary', 'cloudformation:ValidateTemplate'], Condition: undefined },
      {
        Action: 's3:GetObject',
        Condition: { StringEquals: { 's3:ExistingObjectTag/servicecatalog:provisioning': 'true' } },
      },
      { Action: 'logs:DescribeLogGroups', Condition: undefined },
    ]);
  });

  it('creates the GitLab OIDC provider natively (no custom resource), or uses the configured one', () => {
    parent.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://gitlab.com',
      ClientIdList: ['https://gitlab.com'],
    });
    const given = stackWith({ 'gitlabMlops.oidcProviderArn': 'arn:aws:iam::123456789012:oidc-provider/gitlab.com' });
    given.parent.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    given.product.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({ Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/gitlab.com' } }),
        ],
      },
    });
  });

  it('publishes the product assets through the product asset bucket (literal name)', () => {
    parent.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'mlw-gitlab-mlops-assets' });
    parent.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: Match.stringLikeRegexp('AssetBucket') },
      SourceObjectKeys: Match.arrayWith([Match.stringLikeRegexp('\\.zip$')]),
      Extract: false,
      Prune: false,
    });
    product.hasResourceProperties('AWS::Lambda::Function', {
      Code: { S3Bucket: 'mlw-gitlab-mlops-assets', S3Key: Match.stringLikeRegexp('\\.zip$') },
    });
    // The seed archive is one of the product's assets too.
    product.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          SEED_BUCKET: 'mlw-gitlab-mlops-assets',
          SEED_KEY: Match.stringLikeRegexp('\\.zip$'),
        }),
      },
    });
  });

  it('alarms on the handlers failure metrics of every project', () => {
    for (const metric of ['SeedCheckInFailures', 'DeployTriggerFailures', 'RollbacksImpossible']) {
      parent.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'MlWorkflows',
        MetricName: metric,
        Threshold: 1,
        AlarmActions: [Match.anyValue()],
      });
    }
    parent.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('honours configuration: existing portfolio, Studio roles, asset bucket name', () => {
    const { parent: configured } = stackWith({
      'gitlabMlops.portfolioId': 'port-abcdefghij123',
      'gitlabMlops.studioRoleArns': 'arn:aws:iam::123456789012:role/StudioA,arn:aws:iam::123456789012:role/StudioB',
      'gitlabMlops.assetBucketName': 'team-mlops-assets-123456789012',
    });
    configured.resourceCountIs('AWS::ServiceCatalog::Portfolio', 0);
    configured.hasResourceProperties('AWS::ServiceCatalog::PortfolioProductAssociation', {
      PortfolioId: 'port-abcdefghij123',
    });
    configured.resourceCountIs('AWS::ServiceCatalog::PortfolioPrincipalAssociation', 2);
    configured.hasResourceProperties('AWS::ServiceCatalog::PortfolioPrincipalAssociation', {
      PrincipalARN: 'arn:aws:iam::123456789012:role/StudioA',
      PrincipalType: 'IAM',
    });
    configured.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'team-mlops-assets-123456789012' });
  });

  it('names the asset bucket after account and region when configured', () => {
    const app = realApp({ account: '123456789012', region: 'eu-west-1' });
    templateOf(stackOf(app, 'Mlw-GitLabMlops')).hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'mlw-gitlab-mlops-assets-123456789012-eu-west-1',
    });
  });
});

describe('GitLab MLOps product template (per SageMaker project)', () => {
  const { product } = stackWith({
    'gitlabMlops.gitlabUrl': 'https://gitlab.example.com',
    'gitlabMlops.branch': 'release',
  });

  it('takes the SageMaker project parameters and the GitLab launch parameters', () => {
    product.hasParameter('SageMakerProjectName', {
      Type: 'String',
      MaxLength: 32,
      AllowedPattern: '^[a-z](-*[a-z0-9]){0,31}$',
    });
    product.hasParameter('SageMakerProjectId', { Type: 'String' });
    product.hasParameter('GitLabServerUrl', {
      Default: 'https://gitlab.example.com',
      AllowedValues: ['https://gitlab.example.com'],
    });
    product.hasParameter('GitLabGroupPath', { Type: 'String' });
    product.hasParameter('ModelBuildRepositoryName', { Default: '' });
    product.hasParameter('ModelDeployRepositoryName', { Default: '' });
    product.hasParameter('GitLabTokenSecretName', { Default: 'gitlab/mlops-token' });
    expect(Object.keys((product.toJSON() as { Parameters: object }).Parameters)).toHaveLength(7);
  });

  it('creates the artifacts bucket, the model package group <name>-<id> and the Studio code repositories', () => {
    product.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.anyValue(),
    });
    product.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupName: { 'Fn::Join': ['-', [{ Ref: 'SageMakerProjectName' }, { Ref: 'SageMakerProjectId' }]] },
    });
    product.resourceCountIs('AWS::SageMaker::CodeRepository', 2);
    product.hasResourceProperties('AWS::SageMaker::CodeRepository', {
      GitConfig: {
        RepositoryUrl: {
          'Fn::Join': ['', Match.arrayWith([{ Ref: 'GitLabServerUrl' }, { Ref: 'GitLabGroupPath' }, '.git'])],
        },
        Branch: 'release',
      },
    });
  });

  it('restricts the CI roles to GitLab OIDC tokens of one project path and its protected branch, with the audience', () => {
    const trusts = Object.values(product.findResources('AWS::IAM::Role'))
      .map(
        (r) =>
          (r as { Properties: { AssumeRolePolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties
            .AssumeRolePolicyDocument.Statement[0]!,
      )
      .filter((s) => s.Action === 'sts:AssumeRoleWithWebIdentity');
    expect(trusts).toHaveLength(2);
    for (const [trust, suffix] of [
      [trusts[0]!, 'model-build'],
      [trusts[1]!, 'model-deploy'],
    ] as const) {
      const conditions = (trust.Condition as { StringEquals: Record<string, unknown> }).StringEquals;
      expect(Object.keys(conditions).sort()).toEqual(['gitlab.example.com:aud', 'gitlab.example.com:sub']);
      expect(conditions['gitlab.example.com:aud']).toBe('https://gitlab.example.com');
      const sub = conditions['gitlab.example.com:sub'] as { 'Fn::Join': [string, unknown[]] };
      const parts = sub['Fn::Join'][1];
      expect(parts[0]).toBe('project_path:');
      expect(parts[1]).toEqual({ Ref: 'GitLabGroupPath' });
      expect(JSON.stringify(parts[3])).toContain(suffix);
      expect(parts[4]).toBe(':ref_type:branch:ref:release');
      expect((trust.Principal as { Federated: unknown }).Federated).toEqual({
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':oidc-provider/gitlab.example.com'],
        ],
      });
    }
  });

  it('seeds the repositories through the custom resource with the variables the pipelines need (no AWS keys)', () => {
    product.hasResourceProperties('Custom::GitLabSeedCheckIn', {
      GroupPath: { Ref: 'GitLabGroupPath' },
      Branch: 'release',
      DeletePolicy: 'retain',
      BuildVariables: Match.objectLike({
        AWS_ROLE_ARN: Match.anyValue(),
        AWS_OIDC_AUDIENCE: 'https://gitlab.example.com',
        SAGEMAKER_PIPELINE_ROLE_ARN: Match.anyValue(),
        MODEL_PACKAGE_GROUP_NAME: Match.anyValue(),
      }),
      DeployVariables: Match.objectLike({
        AWS_ROLE_ARN: Match.anyValue(),
        CLOUDFORMATION_ROLE_ARN: Match.anyValue(),
        STAGING_STACK_NAME: Match.anyValue(),
        PROD_STACK_NAME: Match.anyValue(),
      }),
    });
    const cr = JSON.stringify(product.findResources('Custom::GitLabSeedCheckIn'));
    expect(cr).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
  });

  it('grants the handlers the configured token secret by name only, never what a launch parameter names', () => {
    // Issue #10 kind 8: the grant used to follow GitLabTokenSecretName; it covers the administrator's secret now.
    product.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'secretsmanager:GetSecretValue',
            Resource: { 'Fn::Join': ['', Match.arrayWith([':secret:gitlab/mlops-token-??????'])] },
          }),
        ]),
      },
    });
    expect(JSON.stringify(product.findResources('AWS::IAM::Policy'))).not.toContain('{"Ref":"GitLabTokenSecretName"}');
  });

  it('routes model approval changes of the project group to the deploy trigger with retries and a DLQ', () => {
    product.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: [Match.anyValue()], ModelApprovalStatus: ['Approved', 'Rejected'] },
      },
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
    product.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'gitlab-mlops-deploy-trigger',
          DEPLOY_BRANCH: 'release',
          ENDPOINT_STACK_NAMES: Match.anyValue(),
        }),
      },
      DeadLetterConfig: Match.anyValue(),
    });
  });

  it('creates the endpoint stacks through a CloudFormation service role the deploy role may pass', () => {
    product.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'cloudformation.amazonaws.com' } })],
      },
    });
    product.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'iam:PassRole',
            Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
          }),
        ]),
      },
    });
  });

  it('puts the handlers in a VPC when configured (imported subnets and security groups)', () => {
    const { product: inVpc, parent } = stackWith({
      'gitlabMlops.vpcId': 'vpc-0123456789abcdef0',
      'gitlabMlops.subnetIds': 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
      'gitlabMlops.securityGroupIds': 'sg-0123456789abcdef0',
    });
    inVpc.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      {
        VpcConfig: {
          SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
          SecurityGroupIds: ['sg-0123456789abcdef0'],
        },
      },
      2,
    );
    inVpc.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    parent.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'] }),
        ]),
      },
    });
  });

  it('is published as a file asset of the portfolio stack, referenced by the product', () => {
    const { app, stack } = stackWith();
    const assets = JSON.parse(readFileSync(join(app.synth().directory, 'Mlw-GitLabMlops.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string } }>;
    };
    expect(Object.values(assets.files).map((f) => f.source.path)).toContain(stack.template.productStack.templateFile);
  });
});

describe('GitLabMlopsProjectTemplate validation', () => {
  const build = (props: Partial<ConstructorParameters<typeof GitLabMlopsProjectTemplate>[2]>) => () =>
    new GitLabMlopsProjectTemplate(new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S'), 'T', {
      assetBucketName: 'assets-bucket-1',
      ...props,
    });

  it('throws when gitlabUrl is not an https URL without trailing slash', () => {
    expect(build({ gitlabUrl: 'http://gitlab.example.com' })).toThrow(
      'S/T: invalid gitlabUrl "http://gitlab.example.com": use an https URL',
    );
    expect(build({ gitlabUrl: 'https://gitlab.example.com/' })).toThrow('invalid gitlabUrl');
  });

  it('throws when assetBucketName is not a literal bucket name', () => {
    expect(build({ assetBucketName: 'Bad_Name' })).toThrow('S/T: invalid assetBucketName "Bad_Name"');
    expect(build({ assetBucketName: Stack.of(new Stack()).account })).toThrow('need a literal bucket name');
  });

  it('throws when portfolioId is malformed', () => {
    expect(build({ portfolioId: 'portfolio-1' })).toThrow('invalid portfolioId "portfolio-1"');
  });

  it('throws when oidcProviderArn is malformed or for another host', () => {
    expect(build({ oidcProviderArn: 'arn:aws:iam::123:role/x' })).toThrow('invalid oidcProviderArn');
    expect(
      build({
        gitlabUrl: 'https://gitlab.example.com',
        oidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/gitlab.com',
      }),
    ).toThrow('the provider must be the one of the GitLab host (…:oidc-provider/gitlab.example.com)');
  });

  it('throws when a Studio role ARN is not a role ARN', () => {
    expect(build({ studioRoleArns: ['arn:aws:iam::123456789012:user/alice'] })).toThrow('invalid studioRoleArns');
  });

  it('throws when branch is not a branch name', () => {
    expect(build({ branch: 'bad branch' })).toThrow('invalid branch "bad branch"');
  });

  it('throws when the VPC has no subnets or no security groups', () => {
    expect(build({ vpc: { vpcId: 'vpc-1', subnetIds: [], securityGroupIds: ['sg-1'] } })).toThrow(
      'invalid vpc.subnetIds',
    );
    expect(build({ vpc: { vpcId: 'vpc-1', subnetIds: ['subnet-1'], securityGroupIds: [] } })).toThrow(
      'invalid vpc.securityGroupIds',
    );
  });

  it('configuration names bad keys, values and what is allowed', () => {
    expect(() => parseConfig({ 'gitlabMlops.deletePolicy': 'shred' })).toThrow(
      /gitlabMlops\.deletePolicy: received "shred"; .*retain.*archive.*delete/,
    );
    expect(() => parseConfig({ 'gitlabMlops.vpcId': 'vpc-0123456789abcdef0' })).toThrow(
      'vpcId, subnetIds and securityGroupIds go together',
    );
    expect(() => parseConfig({ 'gitlabMlops.gitlabUrl': 'gitlab.com' })).toThrow(
      'gitlabMlops.gitlabUrl: received "gitlab.com"; expected an https URL',
    );
  });
});
