import { z } from 'zod';
import { BUILT_IN_TASK_LAMBDA_ACCOUNTS } from '../lambdas/labeling-chain/contract';
import { activeLearningConfigSchema } from './config/active-learning';
import { customLabelsAssistConfigSchema } from './config/custom-labels-assist';
import { ciDeployAccessConfigSchema } from './config/ci-deploy-access';
import { classifierRetrainingConfigSchema } from './config/classifier-retraining';
import { exampleConfigSchema } from './config/example';
import { gitlabMlopsConfigSchema } from './config/gitlab-mlops';
import { labelingChainConfigSchema } from './config/labeling-chain';
import { reviewPortalConfigSchema } from './config/review-portal';
import { MODE_KEYS, logRetentionDays } from './config/schema-helpers';
import { streamingAnomalyConfigSchema } from './config/streaming-anomaly';
import { tripOutliersConfigSchema } from './config/trip-outliers';

/**
 * Typed configuration of the whole app, read from CDK context (`cdk.json` → `context`, or `-c key=value`).
 *
 * Every key has an embedded default, so `cdk synth` works with no configuration at all. A section can be given as
 * an object in `cdk.json` (`"activeLearning": { "threshold": 0.6 }`) or key by key with dotted names
 * (`-c activeLearning.threshold=0.6`); dotted keys win over the object.
 */
export const appConfigSchema = z
  .object({
    /** 12-digit account for the stacks' environment; with `region`, makes the stacks environment-specific. */
    account: z
      .string()
      .regex(/^\d{12}$/, 'expected a 12-digit AWS account id')
      .optional(),
    /** Region for the stacks' environment, e.g. `eu-west-1`. */
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'expected an AWS region such as eu-west-1')
      .optional(),
    /** Prefix of every stack name (`<prefix>-ActiveLearning`, …). */
    stackPrefix: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'expected letters, digits and hyphens, starting with a letter')
      .default('Mlw'),
    /** Retention of every log group the app creates, in days. */
    logRetentionDays: logRetentionDays().default(30),
    /** Tags added to every resource. */
    tags: z.record(z.string(), z.string()).default({}),
    example: exampleConfigSchema.prefault({}),
    streamingAnomaly: streamingAnomalyConfigSchema.prefault({}),
    gitlabMlops: gitlabMlopsConfigSchema.prefault({}),
    activeLearning: activeLearningConfigSchema.prefault({}),
    labelingChain: labelingChainConfigSchema.prefault({}),
    reviewPortal: reviewPortalConfigSchema.prefault({}),
    customLabelsAssist: customLabelsAssistConfigSchema.prefault({}),
    ciDeployAccess: ciDeployAccessConfigSchema.prefault({}),
    tripOutliers: tripOutliersConfigSchema.prefault({}),
    classifierRetraining: classifierRetrainingConfigSchema.prefault({}),
  })
  .strict()
  .superRefine(
    (config, ctx) => {
      // Rules that span sections. Each names the key a user set and the fix, one line each. They run even when other
      // keys are wrong (so every problem is reported at once): a section that did not parse is left to its own issues.
      const section = (name: string): Record<string, unknown> => {
        const value: unknown = (config as Record<string, unknown>)[name];
        return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
      };
      const learning = section('activeLearning');
      if (learning.enabled === true && learning.review === 'portal' && section('reviewPortal').enabled === false) {
        ctx.addIssue({
          code: 'custom',
          path: ['activeLearning', 'review'],
          message:
            'received "portal" but reviewPortal.enabled is false; enable the review portal or set activeLearning.review=a2i',
          params: { wholeLine: true },
        });
      }
      const assist = section('customLabelsAssist');
      if (assist.enabled === true && assist.review === 'portal' && section('reviewPortal').enabled === false) {
        ctx.addIssue({
          code: 'custom',
          path: ['customLabelsAssist', 'review'],
          message:
            'received "portal" but reviewPortal.enabled is false; enable the review portal or set customLabelsAssist.review=ground-truth',
          params: { wholeLine: true },
        });
      }
      // IAM allows one OIDC provider per URL and account: two stacks of one app must not both create GitLab's.
      const ci = section('ciDeployAccess');
      const gitlab = section('gitlabMlops');
      if (
        ci.enabled === true &&
        ci.provider === 'gitlab' &&
        ci.oidcProviderArn === undefined &&
        gitlab.enabled === true &&
        gitlab.oidcProviderArn === undefined &&
        gitlab.gitlabUrl === ci.gitlabUrl
      ) {
        const host = String(ci.gitlabUrl).replace(/^https:\/\//, '');
        ctx.addIssue({
          code: 'custom',
          path: ['ciDeployAccess', 'oidcProviderArn'],
          params: { wholeLine: true },
          message: `not set, but the GitLabMlops stack already creates the IAM OIDC provider of ${String(ci.gitlabUrl)} (one per URL and account): set ciDeployAccess.oidcProviderArn (or gitlabMlops.oidcProviderArn) to arn:aws:iam::<account>:oidc-provider/${host}`,
        });
      }
      const region: unknown = config.region;
      if (
        section('labelingChain').enabled === true &&
        typeof region === 'string' &&
        !(region in BUILT_IN_TASK_LAMBDA_ACCOUNTS)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['region'],
          message: `Ground Truth's built-in task Lambdas, which the labeling chain uses, do not exist in ${region} (they exist in ${Object.keys(BUILT_IN_TASK_LAMBDA_ACCOUNTS).join(', ')}); deploy to one of those, or set labelingChain.enabled=false`,
        });
      }
    },
    { when: () => true },
  );

/** The validated configuration. */
export type AppConfig = z.infer<typeof appConfigSchema>;

/** Thrown when configuration is invalid; the message names every bad key, the value received and what is allowed. */
export class ConfigError extends Error {
  constructor(
    message: string,
    /** One entry per problem. */
    public readonly problems: readonly string[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

const SECTION_KEYS = new Set(Object.keys(appConfigSchema.shape));

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Values from `-c` are strings; a section given as a JSON string is parsed. */
function parseSection(key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw new ConfigError(`Invalid configuration: ${key} is not valid JSON: ${value}`, [key]);
    }
  }
  return value;
}

function getPath(source: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = source;
  for (const part of path) {
    if (!isPlainObject(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/**
 * Build the raw configuration object from a flat context map: known top-level keys are taken as they are,
 * dotted keys (`section.key.sub`) are set inside their section. Other keys (CDK's own, feature flags) are ignored,
 * except dotted keys whose section is unknown, which are reported as typos.
 */
export function collectConfig(context: Record<string, unknown>): { raw: Record<string, unknown>; unknown: string[] } {
  const raw: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(context)) {
    if (SECTION_KEYS.has(key)) raw[key] = parseSection(key, value);
  }
  const dotted = Object.keys(context)
    .filter((key) => key.includes('.') && !key.includes(':') && !key.startsWith('@'))
    .sort((a, b) => a.split('.').length - b.split('.').length);
  for (const key of dotted) {
    const parts = key.split('.');
    const [section] = parts;
    if (section === undefined || !SECTION_KEYS.has(section)) {
      unknown.push(key);
      continue;
    }
    let target: Record<string, unknown> = raw;
    for (const part of parts.slice(0, -1)) {
      const next = target[part];
      if (!isPlainObject(next)) target[part] = {};
      target = target[part] as Record<string, unknown>;
    }
    target[parts[parts.length - 1] as string] = context[key];
  }
  return { raw, unknown };
}

/** One line per problem: the key, the value received and what is allowed (or the fix). */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string[] {
  const key = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const modes = MODE_KEYS.get(key);
    return issue.keys.map((k) => {
      const full = key ? `${key}.${k}` : k;
      const belongsTo = modes?.modesOfKey.get(k);
      if (modes && belongsTo) {
        const given = getPath(raw, [...issue.path, modes.discriminator]);
        const current =
          given === undefined ? `${JSON.stringify(modes.defaultMode)} (the default)` : JSON.stringify(given);
        const setting = `${key}.${modes.discriminator}`;
        return `${full}: applies only when ${setting} is ${belongsTo.join(' or ')}, not ${current}; remove it or set ${setting}=${belongsTo[0]}`;
      }
      return `${full}: unknown configuration key (check the spelling; see README "Configuration")`;
    });
  }
  if (issue.code === 'custom' && (issue.params as { wholeLine?: boolean } | undefined)?.wholeLine) {
    return [`${key}: ${issue.message}`];
  }
  const received = getPath(raw, issue.path);
  if (received === undefined && issue.message.startsWith('required')) return [`${key}: ${issue.message}`];
  const shown = received === undefined ? '(missing)' : JSON.stringify(received);
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
    // A discriminated union's mode key: say which modes exist.
    return [`${key}: received ${shown}; expected one of ${issue.options.map(String).join(', ')}`];
  }
  return [`${key}: received ${shown}; ${issue.message}`];
}

/**
 * Validate configuration from a flat context map (`app.node.getAllContext()`).
 * @throws ConfigError naming every invalid key, the value received and what is allowed.
 */
export function parseConfig(context: Record<string, unknown>): AppConfig {
  const { raw, unknown } = collectConfig(context);
  const result = appConfigSchema.safeParse(raw);
  const problems = unknown.map(
    (key) => `${key}: unknown configuration section "${key.split('.')[0]}" (known: ${[...SECTION_KEYS].join(', ')})`,
  );
  if (!result.success) problems.push(...result.error.issues.flatMap((issue) => describeIssue(issue, raw)));
  if (problems.length > 0 || !result.success) {
    throw new ConfigError(
      `Invalid configuration (cdk.json "context" or -c key=value):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      problems,
    );
  }
  return result.data;
}
