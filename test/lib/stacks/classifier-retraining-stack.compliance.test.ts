import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../../lib/app';
import { synthWithValidation } from '../../helpers/validation';

const OTHERS = ['example', 'streamingAnomaly', 'gitlabMlops', 'labelingChain', 'tripOutliers'];

/**
 * cdk-nag (AwsSolutions + Serverless), cfn-guard (Control Tower) and the CloudFormation schemas over the loop and its
 * retraining stack in a configuration; the default configuration is covered by the app-wide compliance tests.
 */
function violations(context: Record<string, string>): string[] {
  const outdir = mkdtempSync(join(tmpdir(), 'mlw-retraining-nag-'));
  try {
    const off = Object.fromEntries(OTHERS.map((s) => [`${s}.enabled`, 'false']));
    const { app } = buildApp(new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...off, ...context } }));
    expect(app.node.tryFindChild('Mlw-ClassifierRetraining')).toBeDefined();
    const { report } = synthWithValidation(app, outdir);
    return (report.pluginReports ?? []).flatMap((r) =>
      r.violations.map(
        (v) => `${r.pluginName} ${v.ruleName}: ${v.violatingConstructs.map((x) => x.constructPath).join('; ')}`,
      ),
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('classifier-retraining compliance (cdk-nag, cfn-guard, CloudFormation schemas)', () => {
  it('flywheel mode with KMS keys, base and test sets, auto approval: no unacknowledged finding', () => {
    expect(
      violations({
        'classifierRetraining.mode': 'flywheel',
        'classifierRetraining.approval': 'auto',
        'classifierRetraining.volumeKmsKeyArn': KEY,
        'classifierRetraining.modelKmsKeyArn': KEY,
        'classifierRetraining.baseTrainingDataUri': 's3://base-data/intents/base.csv',
        'classifierRetraining.testDataUri': 's3://base-data/intents/test.csv',
      }),
    ).toEqual([]);
  });

  it('a fixed endpoint ARN (endpoint-arn mode), multi-label, no schedule: none either', () => {
    expect(
      violations({
        'activeLearning.classifier.mode': 'endpoint-arn',
        'activeLearning.classifier.endpointArn':
          'arn:aws:comprehend:eu-west-1:123456789012:document-classifier-endpoint/intents',
        'activeLearning.multiLabel': 'true',
        'classifierRetraining.schedule': 'off',
      }),
    ).toEqual([]);
  });
});
