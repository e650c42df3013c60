import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { parseConfig } from '../../../lib/config';
import { applyNag } from '../../../lib/shared/nag';
import { TripOutliersStack } from '../../../lib/stacks/trip-outliers-stack';

interface Report {
  pluginReports?: {
    pluginName: string;
    violations: { ruleName: string; violatingConstructs?: { constructPath: string }[] }[];
  }[];
}

/** cdk-nag (AwsSolutions + Serverless) and the CloudFormation schemas over the trip-outliers stack alone. */
function violations(context: Record<string, unknown>): string[] {
  const outdir = mkdtempSync(join(tmpdir(), 'mlw-trips-nag-'));
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'true';
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    new TripOutliersStack(app, 'Mlw-TripOutliers', { config: parseConfig(context).tripOutliers });
    applyNag(app);
    try {
      app.synth();
    } catch (error) {
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

describe('trip-outliers compliance (cdk-nag AwsSolutions + Serverless, CloudFormation schemas)', () => {
  it('the default stack has no unacknowledged finding', () => {
    expect(violations({})).toEqual([]);
  });

  it('nor does a configured one', () => {
    expect(
      violations({
        'tripOutliers.databaseName': 'taxi',
        'tripOutliers.workGroupName': 'taxi-analysis',
        'tripOutliers.bytesScannedCutoffGiB': '0.5',
      }),
    ).toEqual([]);
  });
});
