import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { ActiveLearningLoop } from '../../../lib/constructs/active-learning';
import { ActiveLearningStack } from '../../../lib/stacks/active-learning-stack';
import { parseConfig } from '../../../lib/config';
import { applyNag } from '../../../lib/shared/nag';

interface Report {
  pluginReports?: {
    pluginName: string;
    violations: { ruleName: string; violatingConstructs?: { constructPath: string }[] }[];
  }[];
}

/** cdk-nag and the CloudFormation schemas over the active-learning stack alone, in its variants. */
function violations(build: (app: App) => void): string[] {
  const outdir = mkdtempSync(join(tmpdir(), 'mlw-al-nag-'));
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'true';
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    build(app);
    applyNag(app);
    try {
      app.synth();
    } catch (error) {
      // A validation failure is listed in the report below; anything else is a real error.
      if (!/Validation failed/i.test(String(error))) throw error;
    }
    const file = join(outdir, 'validation-report.json');
    const report = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Report) : {};
    return (report.pluginReports ?? []).flatMap((r) =>
      r.violations.map(
        (v) => `${r.pluginName} ${v.ruleName}: ${(v.violatingConstructs ?? []).map((x) => x.constructPath).join('; ')}`,
      ),
    );
  } finally {
    process.env.CDK_VALIDATION = previous;
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('active-learning compliance (cdk-nag AwsSolutions + Serverless, CloudFormation schemas)', () => {
  it('the stack with the A2I back end has no unacknowledged finding (the portal default is covered by the app-wide compliance test)', () => {
    expect(
      violations(
        (app) =>
          new ActiveLearningStack(app, 'Mlw-ActiveLearning', {
            config: parseConfig({ 'activeLearning.review': 'a2i' }).activeLearning,
          }),
      ),
    ).toEqual([]);
  });

  it('the variants (CORS, existing workteam, endpoint ARN, created classifier) have none either', () => {
    expect(
      violations((app) => {
        const stack = new Stack(app, 'Variants');
        new ActiveLearningLoop(stack, 'Cors', {
          api: { allowedOrigins: ['https://app.example.com'] },
          a2i: { workteamArn: 'arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/reviewers' },
          classifier: {
            mode: 'endpoint-arn',
            endpointArn: 'arn:aws:comprehend:eu-west-1:123456789012:document-classifier-endpoint/intents',
          },
        });
        new ActiveLearningLoop(stack, 'Created', {
          classifier: { mode: 'create', trainingDataUri: 's3://training-bucket/intents/train.csv', inferenceUnits: 2 },
          a2i: { workteamArn: 'arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/reviewers' },
        });
      }),
    ).toEqual([]);
  });
});
