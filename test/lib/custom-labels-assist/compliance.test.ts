import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../../lib/app';
import { APP_MODES } from '../../helpers/app-modes';

interface Report {
  pluginReports?: {
    pluginName: string;
    violations: { ruleName: string; severity?: string; violatingConstructs?: { constructPath: string }[] }[];
  }[];
}

const OTHERS = ['example', 'streamingAnomaly', 'gitlabMlops', 'activeLearning', 'labelingChain', 'tripOutliers'];

/**
 * cdk-nag (AwsSolutions + Serverless), cfn-guard (Control Tower rules) and the CloudFormation schemas over the Custom
 * Labels assist stack and the review portal it hands its image tasks to (every other workflow off).
 */
function violations(context: Record<string, string>): string[] {
  const outdir = mkdtempSync(join(tmpdir(), 'mlw-assist-nag-'));
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'true';
  try {
    const off = Object.fromEntries(OTHERS.map((s) => [`${s}.enabled`, 'false']));
    const { app } = buildApp(new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...off, ...context } }));
    expect(app.node.tryFindChild('Mlw-CustomLabelsAssist')).toBeDefined();
    try {
      app.synth();
    } catch (error) {
      if (!/Validation failed/i.test(String(error))) throw error;
    }
    const file = join(outdir, 'validation-report.json');
    const report = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Report) : {};
    return (report.pluginReports ?? []).flatMap((r) =>
      r.violations.map(
        (v) =>
          `${r.pluginName} ${v.ruleName} (${v.severity ?? 'error'}): ${(v.violatingConstructs ?? []).map((x) => x.constructPath).join('; ')}`,
      ),
    );
  } finally {
    process.env.CDK_VALIDATION = previous;
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('Custom Labels assist compliance (cdk-nag, cfn-guard, CloudFormation schemas)', () => {
  it('portal review on a project the stack creates: no unacknowledged finding', () => {
    expect(violations({})).toEqual([]);
  });

  it('Ground Truth adjustment on an existing project, in a configured environment, no portal: no unacknowledged finding', () => {
    const assist = Object.entries(APP_MODES.alternatives!).filter(
      ([key]) => key.startsWith('customLabelsAssist.') || key === 'account' || key === 'region',
    );
    expect(violations({ ...Object.fromEntries(assist), 'reviewPortal.enabled': 'false' })).toEqual([]);
  });
});
