import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CloudFormationValidatePlugin, type IPolicyValidationContext } from 'aws-cdk-lib';
import { ControlTowerGuard } from '../../../lib/shared/guard';
import { CachedCloudFormationValidatePlugin } from '../../../lib/shared/validation-cache';

/**
 * The validation cache (lib/shared/validation-cache.ts): an unchanged template's findings come from the cache and are
 * still reported; a changed template is validated again.
 */

const bucket = (properties: Record<string, unknown>) =>
  JSON.stringify({ Resources: { Data: { Type: 'AWS::S3::Bucket', Properties: properties } } });

describe('validation cache', () => {
  let dir: string;
  let cacheDir: string;
  let template: string;
  const app = new App();
  const context = (): IPolicyValidationContext => ({
    templatePaths: [template],
    stackTemplates: [{ stackConstructPath: 'Bad', templatePath: template, accountId: undefined, region: undefined }],
    appConstruct: app,
  });
  const rules = (violations: { ruleName: string; violatingResources: { resourceLogicalId?: string }[] }[]) =>
    violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.resourceLogicalId}`)).sort();

  let previousValidation: string | undefined;
  beforeEach(() => {
    // Unit tests turn CDK's schema validation off (test/helpers/setup-env.ts); these tests are about it.
    previousValidation = process.env.CDK_VALIDATION;
    process.env.CDK_VALIDATION = 'true';
    dir = mkdtempSync(join(tmpdir(), 'mlw-validation-cache-'));
    cacheDir = join(dir, 'cache');
    template = join(dir, 'Bad.template.json');
  });
  afterEach(() => {
    process.env.CDK_VALIDATION = previousValidation;
    rmSync(dir, { recursive: true, force: true });
  });

  it('cfn-guard: reports a finding from the cache, and checks a changed template again', () => {
    writeFileSync(template, bucket({}));
    const first = new ControlTowerGuard({ cacheDir });
    const fresh = first.validate(context());
    expect(first.stats).toEqual({ validated: 1, cached: 0 });
    expect(fresh.success).toBe(false);
    expect(rules(fresh.violations)).toContain('s3_bucket_versioning_enabled_check Data');

    // A new synth (a new plugin), same template: nothing runs, the same findings are reported, pointing at the file.
    const second = new ControlTowerGuard({ cacheDir });
    const cached = second.validate(context());
    expect(second.stats).toEqual({ validated: 0, cached: 1 });
    expect(cached).toEqual(fresh);
    expect(cached.violations[0]?.violatingResources[0]?.templatePath).toBe(template);

    // The template changes (versioning on): it is checked again and that finding is gone.
    writeFileSync(template, bucket({ VersioningConfiguration: { Status: 'Enabled' } }));
    const third = new ControlTowerGuard({ cacheDir });
    const changed = third.validate(context());
    expect(third.stats).toEqual({ validated: 1, cached: 0 });
    expect(rules(changed.violations)).not.toContain('s3_bucket_versioning_enabled_check Data');
    expect(rules(changed.violations)).toContain('s3_bucket_logging_enabled_check Data');
    expect(readdirSync(join(cacheDir, 'cfn-guard'))).toHaveLength(2);
  });

  it('CloudFormation schema validation: the same report as the original plugin, from the cache too; a change is validated again', () => {
    writeFileSync(template, bucket({ NotAProperty: true, VersioningConfiguration: { Status: 'Sometimes' } }));
    const reference = new CloudFormationValidatePlugin();
    const original = reference.validate(context());
    expect(rules(original.violations).length).toBeGreaterThanOrEqual(2);

    const first = new CachedCloudFormationValidatePlugin(cacheDir);
    expect(first.validate(context())).toEqual(original);
    expect(first.stats).toEqual({ validated: 1, cached: 0 });
    const second = new CachedCloudFormationValidatePlugin(cacheDir);
    expect(second.validate(context())).toEqual(original);
    expect(second.stats).toEqual({ validated: 0, cached: 1 });

    writeFileSync(template, bucket({ VersioningConfiguration: { Status: 'Sometimes' } }));
    const third = new CachedCloudFormationValidatePlugin(cacheDir);
    const changed = third.validate(context());
    expect(third.stats).toEqual({ validated: 1, cached: 0 });
    expect(changed).toEqual(reference.validate(context()));
    expect(rules(changed.violations).length).toBeLessThan(rules(original.violations).length);
  });

  it('CloudFormation schema validation: same name, version and rule ids as the original, and off exactly when CDK turns its own off', () => {
    const plugin = new CachedCloudFormationValidatePlugin(cacheDir);
    expect(plugin.name).toBe(new CloudFormationValidatePlugin().name);
    // Read from package.json here (without loading the engine); the original asks the engine.
    expect(plugin.version).toBe(new CloudFormationValidatePlugin().version);
    expect(plugin.ruleIds).toEqual(new CloudFormationValidatePlugin().ruleIds);

    writeFileSync(template, bucket({ NotAProperty: true }));
    const off = new App({ builtinCloudFormationValidation: false });
    expect(plugin.validate({ ...context(), appConstruct: off })).toEqual({ success: true, violations: [] });
    process.env.CDK_VALIDATION = 'false';
    expect(plugin.validate(context())).toEqual({ success: true, violations: [] });
    expect(plugin.stats).toEqual({ validated: 0, cached: 0 });
  });
});
