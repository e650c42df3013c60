import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { applyNag } from '../../lib/shared/nag';

/** One violation in the cloud assembly's `validation-report.json` (schema 55). */
export interface ReportedViolation {
  ruleName: string;
  severity?: string;
  violatingConstructs: { constructPath?: string }[];
}

/** The cloud assembly's `validation-report.json`. */
export interface ValidationReport {
  pluginReports?: {
    pluginName: string;
    violations: ReportedViolation[];
    suppressedViolations?: ReportedViolation[];
  }[];
}

/**
 * Synthesize `app` (whose outdir is `outdir`) with CDK policy validation on (cdk-nag, cfn-guard and the CloudFormation
 * schema plugin, whatever the app applied); return synth's error message, if any, and the validation report.
 */
export function synthWithValidation(app: App, outdir: string): { error?: string; report: ValidationReport } {
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'true';
  let error: string | undefined;
  try {
    app.synth();
  } catch (e) {
    error = (e as Error).message;
  } finally {
    process.env.CDK_VALIDATION = previous;
  }
  const path = join(outdir, 'validation-report.json');
  return { error, report: existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ValidationReport) : {} };
}

/**
 * Build one app (policy validation on, with the house validators of `applyNag`) in a fresh output folder and return
 * every unacknowledged finding as `<plugin> <rule>: <construct paths>`. A synth error other than the validation's own
 * failure is thrown.
 */
export function validationFindings(build: (app: App) => void, prefix = 'mlw-nag-'): string[] {
  const outdir = mkdtempSync(join(tmpdir(), prefix));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    build(app);
    applyNag(app);
    const { error, report } = synthWithValidation(app, outdir);
    if (error !== undefined && !/Validation failed/i.test(error)) throw new Error(error);
    return (report.pluginReports ?? []).flatMap((r) =>
      r.violations.map(
        (v) => `${r.pluginName} ${v.ruleName}: ${v.violatingConstructs.map((x) => x.constructPath).join('; ')}`,
      ),
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
