import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, aws_sqs as sqs } from 'aws-cdk-lib';
import { parseConfig } from '../../../lib/config';
import { applyNag } from '../../../lib/shared/nag';
import { GitLabMlopsStack } from '../../../lib/stacks/gitlab-mlops-stack';
import { realApp } from '../../helpers/app';

interface Report {
  pluginReports?: {
    pluginName: string;
    violations: { ruleName: string; violatingConstructs?: { constructPath: string }[] }[];
  }[];
}

/** Synthesize the GitLab MLOps stack alone with cdk-nag and the CloudFormation schema validator on. */
function validate(
  context: Record<string, unknown>,
  extend?: (stack: GitLabMlopsStack) => void,
): { violations: string[]; error?: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'mlw-gitlab-nag-'));
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'true';
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } });
    const stack = new GitLabMlopsStack(app, 'Mlw-GitLabMlops', {
      config: parseConfig(context).gitlabMlops,
      stackPrefix: 'Mlw',
    });
    extend?.(stack);
    applyNag(app);
    let error: string | undefined;
    try {
      app.synth();
    } catch (e) {
      error = (e as Error).message;
    }
    const reportPath = join(outdir, 'validation-report.json');
    const report = existsSync(reportPath) ? (JSON.parse(readFileSync(reportPath, 'utf8')) as Report) : {};
    const violations = (report.pluginReports ?? []).flatMap((r) =>
      r.violations.map(
        (v) => `${r.pluginName} ${v.ruleName}: ${(v.violatingConstructs ?? []).map((c) => c.constructPath).join(', ')}`,
      ),
    );
    return { violations, error };
  } finally {
    process.env.CDK_VALIDATION = previous;
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('GitLab MLOps compliance', () => {
  it('has no unacknowledged cdk-nag finding (portfolio stack and product template) and passes the schema validator', () => {
    expect(validate({})).toEqual({ violations: [], error: undefined });
  });

  it('stays clean with the handlers in a VPC and an existing OIDC provider and portfolio', () => {
    expect(
      validate({
        'gitlabMlops.vpcId': 'vpc-0123456789abcdef0',
        'gitlabMlops.subnetIds': 'subnet-0123456789abcdef0',
        'gitlabMlops.securityGroupIds': 'sg-0123456789abcdef0',
        'gitlabMlops.oidcProviderArn': 'arn:aws:iam::123456789012:oidc-provider/gitlab.com',
        'gitlabMlops.portfolioId': 'port-abcdefghij123',
      }),
    ).toEqual({ violations: [], error: undefined });
  });

  it('cdk-nag inspects the product template resources too (the check can fail there)', () => {
    const { violations } = validate(
      {},
      (stack) =>
        new sqs.Queue(stack.template.productStack, 'UnencryptedQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED }),
    );
    expect(violations.join('\n')).toMatch(
      /AwsSolutions-SQS\d.*Mlw-GitLabMlops\/ProjectTemplate\/ProductTemplate\/UnencryptedQueue/,
    );
  });

  it('no template of the real app, nor the product template, has an IAM user or access key', () => {
    const app = realApp();
    const assembly = app.synth();
    const templates = [
      ...assembly.stacks.map((s) => ({ name: s.stackName, body: JSON.stringify(s.template) })),
      ...readdirSync(assembly.directory)
        .filter((f) => f.endsWith('.product.template.json'))
        .map((f) => ({ name: f, body: readFileSync(join(assembly.directory, f), 'utf8') })),
    ];
    expect(templates.some((t) => t.name.includes('GitLabMlops'))).toBe(true);
    expect(templates.some((t) => t.name.endsWith('.product.template.json'))).toBe(true);
    for (const template of templates) {
      const types = Object.values(
        (JSON.parse(template.body) as { Resources?: Record<string, { Type: string }> }).Resources ?? {},
      ).map((r) => r.Type);
      expect({
        template: template.name,
        forbidden: types.filter((t) => t === 'AWS::IAM::User' || t === 'AWS::IAM::AccessKey'),
      }).toEqual({ template: template.name, forbidden: [] });
    }
  });
});
