import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  App,
  CloudFormationValidatePlugin,
  type IPolicyValidationContext,
  Stack,
  aws_kms as kms,
  aws_s3 as s3,
} from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';
import {
  CFN_GUARD_PLUGIN,
  ControlTowerGuard,
  controlTowerRuleIndex,
  DenyKeyGrantsExceptForAwsServices,
  GUARD_ACKNOWLEDGMENTS,
} from '../../lib/shared/guard';
import { applyNag } from '../../lib/shared/nag';
import { SecureBucket } from '../../lib/shared/secure-bucket';
import { CachedCloudFormationValidatePlugin } from '../../lib/shared/validation-cache';
import { type ReportedViolation, synthWithValidation as synth, type ValidationReport } from '../helpers/validation';

/**
 * The third validator: cfn-guard with the AWS Control Tower proactive-control rules shipped in
 * @cdklabs/cdk-validator-cfnguard, run by `cdk synth` beside cdk-nag and the CloudFormation schemas.
 */

const guardReport = (report: ValidationReport) => report.pluginReports?.find((r) => r.pluginName === CFN_GUARD_PLUGIN);
const lines = (violations: ReportedViolation[] = []) =>
  violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} ${c.constructPath ?? ''}`));

describe('cfn-guard (Control Tower proactive controls)', () => {
  let outdir: string;
  beforeEach(() => {
    outdir = mkdtempSync(join(tmpdir(), 'mlw-guard-'));
  });
  afterEach(() => rmSync(outdir, { recursive: true, force: true }));

  it('runs offline in synth and fails on a finding nobody accepted; acknowledgments cover only what they name', () => {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bad');
    // A bucket without the house defaults: no public access block, no logging, no versioning.
    new s3.CfnBucket(stack, 'PlainBucket');
    // The house bucket: its access-log bucket is covered by the table, the bucket itself is not (no notifications).
    new SecureBucket(stack, 'Unlisted');
    applyNag(app);
    const { error, report } = synth(app, outdir);
    const found = lines(guardReport(report)?.violations);
    expect(found).toEqual(
      expect.arrayContaining([
        's3_bucket_level_public_access_prohibited_check Bad/PlainBucket',
        's3_event_notifications_enabled_check Bad/Unlisted/Resource',
      ]),
    );
    expect(found.filter((l) => l.includes('Bad/AccessLogs'))).toEqual([]);
    expect(lines(guardReport(report)?.suppressedViolations)).toContain(
      's3_event_notifications_enabled_check Bad/AccessLogs/Resource',
    );
    expect(error).toMatch(/CT\.S3\.PR\.1/);
  });

  it('the whole app (every workflow and the CI deploy access) has no finding left, and every table entry is in use', () => {
    const { app } = buildApp(
      new App({
        outdir,
        context: {
          'aws:cdk:bundling-stacks': [],
          'ciDeployAccess.enabled': 'true',
          'ciDeployAccess.repository': 'octo-org/app',
          // The A2I variant of the loop (the default portal variant is in compliance.test.ts): together they use
          // every entry of the table.
          'activeLearning.review': 'a2i',
        },
      }),
    );
    const { error, report } = synth(app, outdir);
    const guard = guardReport(report);
    expect(guard).toBeDefined();
    expect(lines(guard?.violations)).toEqual([]);
    expect(error).toBeUndefined();
    const suppressed = new Set(guard?.suppressedViolations?.map((v) => v.ruleName));
    // A stale entry (its finding fixed in the construct) must be removed from lib/shared/guard.ts.
    expect(GUARD_ACKNOWLEDGMENTS.map((a) => a.rule).filter((rule) => !suppressed.has(rule))).toEqual([]);

    // Running only the rules for the resource types present finds exactly what the whole rule set finds.
    // Both plugins read only templatePaths.
    const context = {
      templatePaths: readdirSync(outdir)
        .filter((f) => f.endsWith('.template.json'))
        .map((f) => join(outdir, f)),
      stackTemplates: [],
      appConstruct: app,
    };
    type Raw = { ruleName: string; violatingResources: { resourceLogicalId: string; templatePath: string }[] };
    const found = (violations: Raw[]) =>
      violations
        .flatMap((v) =>
          v.violatingResources.map((r) => `${v.ruleName} ${basename(r.templatePath)} ${r.resourceLogicalId}`),
        )
        .sort();
    const cacheDir = join(outdir, 'validation-cache');
    const selected = found(new ControlTowerGuard({ cacheDir: false }).validate(context).violations as Raw[]);
    expect(selected.length).toBeGreaterThan(100);
    expect(selected).toEqual(found(new CfnGuardValidator().validate(context).violations as Raw[]));
    // ... and so do its findings cached per template (lib/shared/validation-cache.ts), when fresh and from the cache.
    expect(found(new ControlTowerGuard({ cacheDir }).validate(context).violations as Raw[])).toEqual(selected);
    const warm = new ControlTowerGuard({ cacheDir });
    expect(found(warm.validate(context).violations as Raw[])).toEqual(selected);
    expect(warm.stats).toEqual({ validated: 0, cached: context.templatePaths.length });
  });

  it('the CloudFormation schema validation cached per template reports what the plugin of aws-cdk-lib reports for the app', () => {
    const { app } = buildApp(new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } }));
    app.synth();
    const stacks = app.node.children.filter((c): c is Stack => c instanceof Stack);
    const context: IPolicyValidationContext = {
      templatePaths: stacks.map((s) => join(outdir, s.templateFile)),
      stackTemplates: stacks.map((s) => ({
        stackConstructPath: s.node.path,
        templatePath: join(outdir, s.templateFile),
        accountId: undefined,
        region: undefined,
      })),
      appConstruct: app,
    };
    const previous = process.env.CDK_VALIDATION;
    process.env.CDK_VALIDATION = 'true';
    try {
      const original = new CloudFormationValidatePlugin().validate(context);
      // The app's templates have schema findings of several rules, some in more than one template (the merge).
      expect(new Set(original.violations.map((v) => v.ruleName)).size).toBeGreaterThan(1);
      const cacheDir = join(outdir, 'validation-cache');
      expect(new CachedCloudFormationValidatePlugin(cacheDir).validate(context)).toEqual(original);
      const warm = new CachedCloudFormationValidatePlugin(cacheDir);
      expect(warm.validate(context)).toEqual(original);
      expect(warm.stats).toEqual({ validated: 0, cached: stacks.length });
    } finally {
      process.env.CDK_VALIDATION = previous;
    }
  });

  it('knows the resource types of every shipped Control Tower rule (a rule without one would never run)', () => {
    const index = controlTowerRuleIndex();
    expect(index.length).toBeGreaterThan(200);
    expect(index.filter((rule) => rule.types.size === 0).map((rule) => rule.file)).toEqual([]);
    expect(index.find((rule) => rule.file.endsWith('ct-s3-pr-1.guard'))?.types).toEqual(new Set(['AWS::S3::Bucket']));
  });

  it('CT.KMS.PR.3 is fixed, not acknowledged: every key denies grants that are not for AWS services', () => {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Keys');
    new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new DenyKeyGrantsExceptForAwsServices().visit(stack.node.findChild('Key'));
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'DenyGrantsExceptForAwsServices',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'kms:CreateGrant',
            Resource: '*',
            Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
          },
        ]),
      },
    });
    expect(GUARD_ACKNOWLEDGMENTS.map((a) => a.rule)).not.toContain('kms_create_grant_aws_service_check');
  });
});
