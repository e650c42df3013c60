import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../../lib/app';
import { APP_MODES } from '../../helpers/app-modes';
import { synthWithValidation } from '../../helpers/validation';

const OTHERS = ['example', 'streamingAnomaly', 'gitlabMlops', 'activeLearning', 'labelingChain', 'tripOutliers'];

/**
 * cdk-nag (AwsSolutions + Serverless), cfn-guard (Control Tower rules) and the CloudFormation schemas over the Custom
 * Labels assist stack and the review portal it hands its image tasks to (every other workflow off): one line per
 * violation of any severity.
 */
function violations(context: Record<string, string>): string[] {
  const outdir = mkdtempSync(join(tmpdir(), 'mlw-assist-nag-'));
  try {
    const off = Object.fromEntries(OTHERS.map((s) => [`${s}.enabled`, 'false']));
    const { app } = buildApp(new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...off, ...context } }));
    expect(app.node.tryFindChild('Mlw-CustomLabelsAssist')).toBeDefined();
    const { error, report } = synthWithValidation(app, outdir);
    if (error !== undefined && !/Validation failed/i.test(error)) throw new Error(error);
    return (report.pluginReports ?? []).flatMap((r) =>
      r.violations.map(
        (v) =>
          `${r.pluginName} ${v.ruleName} (${v.severity ?? 'error'}): ${v.violatingConstructs.map((x) => x.constructPath).join('; ')}`,
      ),
    );
  } finally {
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
