import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App } from 'aws-cdk-lib';

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
