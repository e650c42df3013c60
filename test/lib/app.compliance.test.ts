import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, type aws_s3 as s3, aws_sqs as sqs } from 'aws-cdk-lib';
import { buildApp } from '../../lib/app';
import { applyNag } from '../../lib/shared/nag';
import { SecureBucket } from '../../lib/shared/secure-bucket';

/** The cloud assembly's `validation-report.json` (schema 55). */
interface ValidationReport {
  pluginReports?: {
    pluginName: string;
    conclusion: string;
    violations: { ruleName: string; severity?: string; violatingConstructs: { constructPath?: string }[] }[];
  }[];
}

/** One line per violation of any severity (the CloudFormation schema plugin reports warnings): plugin, rule, paths. */
function violationsOf(report: ValidationReport): string[] {
  return (report.pluginReports ?? []).flatMap((r) =>
    r.violations.map(
      (v) =>
        `${r.pluginName} ${v.ruleName} (${v.severity ?? 'error'}): ${v.violatingConstructs.map((c) => c.constructPath).join('; ')}`,
    ),
  );
}

/** Synthesize with cdk-nag and the CloudFormation schema validator on; return the error (if any) and the report. */
function synthWithValidation(app: App, outdir: string): { error?: Error; report: ValidationReport } {
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'true';
  let error: Error | undefined;
  try {
    app.synth();
  } catch (e) {
    error = e as Error;
  } finally {
    process.env.CDK_VALIDATION = previous;
  }
  const reportPath = join(outdir, 'validation-report.json');
  const report = existsSync(reportPath) ? (JSON.parse(readFileSync(reportPath, 'utf8')) as ValidationReport) : {};
  return { error, report };
}

describe('compliance of the real app', () => {
  let outdir: string;
  beforeEach(() => {
    outdir = mkdtempSync(join(tmpdir(), 'mlw-compliance-'));
  });
  afterEach(() => rmSync(outdir, { recursive: true, force: true }));

  it('every stack passes cdk-nag (AwsSolutions + Serverless) and the CloudFormation schemas, with no unacknowledged finding', () => {
    const { app } = buildApp(new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } }));
    expect(app.node.children.length).toBeGreaterThan(0);
    const { error, report } = synthWithValidation(app, outdir);
    expect(violationsOf(report)).toEqual([]);
    expect(error?.message).toBeUndefined();
  });

  it('fails on an unacknowledged finding (the check can fail)', () => {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Bad');
    // With EventBridge notifications the house bucket passes cfn-guard's CT.S3.PR.4 too.
    const fine = new SecureBucket(stack, 'Fine');
    (fine.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    new sqs.Queue(stack, 'PlainQueue');
    applyNag(app);
    const { error, report } = synthWithValidation(app, outdir);
    expect(error?.message).toMatch(/AwsSolutions-SQS4/);
    expect(violationsOf(report)).toContain('AwsSolutions AwsSolutions-SQS4 (error): Bad/PlainQueue/Resource');
    expect(error?.message).not.toMatch(/Bad\/Fine/);
  });
});
