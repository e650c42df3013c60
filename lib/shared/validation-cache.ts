/**
 * Findings of the template validators (the CloudFormation schema validation of aws-cdk-lib and cfn-guard with the
 * Control Tower rules, `lib/shared/guard.ts`), kept per template between synths.
 *
 * Both validators read only the synthesized template (and, for the schema validation, the stack's path, account and
 * Region), so their findings for a template are a function of its bytes and of the validator's version and rule set.
 * A warm `cdk synth` whose templates did not change therefore reads the findings from the cache instead of running
 * the validators again (about 5 CPU-s of schema engine start-up and 7 CPU-s of cfn-guard for this app); a changed
 * template, a changed rule set or another validator version misses the cache and is validated. Cached findings go
 * through CDK exactly as fresh ones do: acknowledgments, severities and the report are applied at every synth.
 *
 * The cache is a folder of small JSON records (git-ignored, under `node_modules/.cache`, emptied by `npm ci`), one per
 * template and validator, named by the SHA-256 of everything the findings depend on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CloudFormationValidatePlugin,
  type IPolicyValidationContext,
  type PolicyValidationPluginReport,
  type PolicyValidationStack,
  type PolicyViolation,
} from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';
import { readIfExists, sha256, writeAtomically } from './bundle-record';
import { REPO_ROOT } from './paths';

/** Environment variable that moves the validation cache (an absolute folder), or turns it off with `off`. */
export const VALIDATION_CACHE_DIR_ENV = 'MLW_VALIDATION_CACHE_DIR';

/** Where validator findings are kept between synths: git-ignored, and emptied by `npm ci`. */
export const DEFAULT_VALIDATION_CACHE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'mlw-template-validation');

/** Bumped when the record format changes, so older records miss. */
const RECORD_VERSION = 1;

/** Stands for the template's path in a cached record (the same template is found under other output folders). */
const TEMPLATE_PATH_MARK = '<template>';

/**
 * Where a validator keeps its records: `false` turns the cache off; `undefined` means `MLW_VALIDATION_CACHE_DIR`, or
 * {@link DEFAULT_VALIDATION_CACHE_DIR} when it is unset.
 */
export type ValidationCacheDir = string | false | undefined;

/** The findings of one validator for one template. */
export interface TemplateReport {
  /** False when the validator failed the template (before acknowledgments, which CDK applies later). */
  readonly success: boolean;
  /** Its violations; every violating resource names the template (`templatePath`). */
  readonly violations: PolicyViolation[];
}

/** What one validator did with the templates of one synth: how many it validated and how many it found cached. */
export interface TemplateValidationStats {
  /** Templates validated by running the validator. */
  validated: number;
  /** Templates whose findings came from the cache. */
  cached: number;
}

/** One validator's records in the validation cache. */
export class TemplateReportCache {
  /** The folder of the records, or undefined when the cache is off. */
  public readonly dir: string | undefined;

  /**
   * @param namespace folder of this validator's records inside the cache folder
   * @param dir see {@link ValidationCacheDir}
   */
  constructor(namespace: string, dir: ValidationCacheDir = undefined) {
    const configured = dir ?? process.env[VALIDATION_CACHE_DIR_ENV] ?? DEFAULT_VALIDATION_CACHE_DIR;
    this.dir = configured === false || configured === 'off' ? undefined : path.join(configured, namespace);
  }

  /** The findings recorded under `key`, with their resources pointing at `templatePath`; undefined on a miss. */
  public read(key: string, templatePath: string): TemplateReport | undefined {
    if (!this.dir) return undefined;
    const bytes = readIfExists(path.join(this.dir, `${key}.json`));
    if (!bytes) return undefined;
    let record: { version?: number; report?: TemplateReport };
    try {
      record = JSON.parse(bytes.toString('utf8')) as typeof record;
    } catch {
      return undefined; // a torn or foreign file is a miss: the template is validated again and the record rewritten
    }
    if (record.version !== RECORD_VERSION || !record.report) return undefined;
    return withTemplatePath(record.report, TEMPLATE_PATH_MARK, templatePath);
  }

  /** Record the findings for one template (their resources may point at `templatePath`, which is not kept). */
  public write(key: string, report: TemplateReport, templatePath: string): void {
    if (!this.dir) return;
    fs.mkdirSync(this.dir, { recursive: true });
    const record = { version: RECORD_VERSION, report: withTemplatePath(report, templatePath, TEMPLATE_PATH_MARK) };
    writeAtomically(path.join(this.dir, `${key}.json`), JSON.stringify(record));
  }
}

/** A deep copy of `report` with every violating resource's `templatePath` equal to `from` set to `to`. */
function withTemplatePath(report: TemplateReport, from: string, to: string): TemplateReport {
  return {
    success: report.success,
    violations: report.violations.map((v) => ({
      ...v,
      violatingResources: v.violatingResources.map((r) => ({
        ...r,
        locations: [...r.locations],
        ...(r.templatePath === from ? { templatePath: to } : {}),
      })),
    })),
  };
}

/** One template to validate: where it is and its text. */
export interface TemplateInput {
  readonly templatePath: string;
  readonly content: string;
}

/**
 * Findings for every template, in order: each from the cache if its key is there, the others from one call of
 * `validate` (which gets the templates that missed, in order, and returns one report per template); then the new
 * findings are recorded.
 *
 * @param keyOf cache key of a template: a hash of everything its findings depend on
 */
export function validateWithCache<T extends TemplateInput>(
  templates: readonly T[],
  cache: TemplateReportCache,
  keyOf: (template: T) => string,
  validate: (missed: T[]) => TemplateReport[],
  stats?: TemplateValidationStats,
): TemplateReport[] {
  const keys = templates.map(keyOf);
  const reports: (TemplateReport | undefined)[] = templates.map((t, i) => cache.read(keys[i]!, t.templatePath));
  const missed = templates.filter((_, i) => reports[i] === undefined);
  if (missed.length > 0) {
    const fresh = validate(missed);
    let next = 0;
    templates.forEach((t, i) => {
      if (reports[i] !== undefined) return;
      const report = fresh[next++]!;
      cache.write(keys[i]!, report, t.templatePath);
      reports[i] = report;
    });
  }
  if (stats) {
    stats.validated += missed.length;
    stats.cached += templates.length - missed.length;
  }
  return reports as TemplateReport[];
}

/** The violations of `report` whose resources are in `templatePath`, keeping only those resources (order kept). */
export function violationsIn(violations: readonly PolicyViolation[], templatePath: string): PolicyViolation[] {
  return violations.flatMap((v) => {
    const resources = v.violatingResources.filter((r) => r.templatePath === templatePath);
    return resources.length > 0 ? [{ ...v, violatingResources: resources }] : [];
  });
}

const AWS_CDK_LIB_DIR = path.dirname(require.resolve('aws-cdk-lib/package.json'));
const packageVersion = (dir: string): string =>
  (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * aws-cdk-lib's CloudFormation schema validation (`CloudFormationValidatePlugin`: the CloudFormation resource schemas
 * and aws-cdk-lib's rules, run by `@aws/cloudformation-validate`) with its findings cached per template
 * ({@link TemplateReportCache}). Registered on the app, it replaces the plugin aws-cdk-lib adds by itself (CDK adds its
 * own only when the app has none); it keeps the plugin's name, so CDK still reports its errors as warnings, and it runs
 * exactly when CDK would run its own: unless the app was built with `builtinCloudFormationValidation: false` or
 * `CDK_VALIDATION=false` is set.
 *
 * Templates that miss the cache are validated in one call of the original plugin (one engine for all of them, as
 * CDK does), and its report is split by template; the report of all templates is merged back the way the original
 * plugin merges diagnostics (one violation per rule, severity and description, with the resources of every
 * template), so it is the report the original plugin gives.
 */
export class CachedCloudFormationValidatePlugin extends CloudFormationValidatePlugin {
  /** Templates validated and found cached by this plugin, over its life. */
  public readonly stats: TemplateValidationStats = { validated: 0, cached: 0 };
  private readonly cache: TemplateReportCache;

  /** @param cacheDir see {@link ValidationCacheDir} */
  constructor(cacheDir: ValidationCacheDir = undefined) {
    super();
    this.cache = new TemplateReportCache('cloudformation-validate', cacheDir);
  }

  /**
   * The version of `@aws/cloudformation-validate` (what the original plugin reports), read from its package.json so
   * that a synth whose findings are all cached does not load the 9 MB WebAssembly engine (0.3–1 CPU-s).
   */
  public override get version(): string {
    return packageVersion(path.join(AWS_CDK_LIB_DIR, 'node_modules', '@aws', 'cloudformation-validate'));
  }

  /** As the original plugin's (its engine version, which CDK records in the stack metadata), without the engine. */
  public override get ruleIds(): string[] {
    return [this.version];
  }

  public override validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    if (!builtinValidationEnabled(context.appConstruct)) return { success: true, violations: [] };
    const base = JSON.stringify([RECORD_VERSION, packageVersion(AWS_CDK_LIB_DIR), this.version]);
    const templates = context.stackTemplates.map((stack: PolicyValidationStack) => ({
      templatePath: stack.templatePath,
      content: fs.readFileSync(stack.templatePath, 'utf8'),
      stack,
    }));
    const reports = validateWithCache(
      templates,
      this.cache,
      (t) =>
        sha256(
          JSON.stringify([base, t.stack.stackConstructPath, t.stack.accountId ?? null, t.stack.region ?? null]) +
            t.content,
        ),
      (missed) => {
        const report = super.validate({
          ...context,
          templatePaths: missed.map((t) => t.templatePath),
          stackTemplates: missed.map((t) => t.stack),
        });
        return missed.map((t) => {
          const violations = violationsIn(report.violations, t.templatePath);
          return { success: succeeded(violations), violations };
        });
      },
      this.stats,
    );
    // Merge as the original plugin does: one violation per rule id, severity and description.
    const violations: PolicyViolation[] = [];
    for (const violation of reports.flatMap((r) => r.violations)) {
      const existing = violations.find(
        (v) =>
          v.ruleName === violation.ruleName &&
          v.severity === violation.severity &&
          v.description === violation.description,
      );
      if (existing) existing.violatingResources.push(...violation.violatingResources);
      else violations.push({ ...violation, violatingResources: [...violation.violatingResources] });
    }
    return { success: succeeded(violations), violations };
  }
}

/** The original plugin's success: no violation of severity `error` or `fatal`. */
const succeeded = (violations: readonly PolicyViolation[]) =>
  violations.every((v) => v.severity !== 'error' && v.severity !== 'fatal');

/** Whether aws-cdk-lib would run its own CloudFormation schema validation for this app (its own test, same inputs). */
function builtinValidationEnabled(app: IConstruct): boolean {
  const builtin = (app as { _builtinCloudFormationValidation?: boolean })._builtinCloudFormationValidation;
  return builtin !== false && process.env.CDK_VALIDATION !== 'false';
}
