import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  type IAspect,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  Stack,
  Validations,
  aws_apigateway as apigateway,
  aws_athena as athena,
  aws_cloudfront as cloudfront,
  aws_cloudwatch as cloudwatch,
  aws_dynamodb as dynamodb,
  type CfnResource,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_s3 as s3,
  aws_sqs as sqs,
  aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';
import { sha256 } from './bundle-record';
import { AccessLogsBucket } from './secure-bucket';
import {
  TemplateReportCache,
  type TemplateValidationStats,
  type ValidationCacheDir,
  validateWithCache,
} from './validation-cache';

/**
 * The cfn-guard findings (AWS Control Tower proactive controls, `@cdklabs/cdk-validator-cfnguard`) that this app
 * accepts, in one place, keyed by resource type: each entry names the control, the resources it covers (a predicate
 * on the L1 resource, so a resource outside it still fails synth) and the reason. {@link GuardAcknowledgments}
 * attaches them resource by resource through CDK's `Validations.acknowledge`; no rule is disabled for the app.
 *
 * The constructs of the workflows are being reorganized; keeping these decisions here, next to each other, lets that
 * work go on without moving acknowledgments around. A finding that can be fixed in the construct should be fixed there
 * and its entry removed.
 */

/** Name of the cfn-guard validation plugin: the namespace of its rule ids (`<plugin>::<rule>`). */
export const CFN_GUARD_PLUGIN = 'cdk-validator-cfnguard';

/** The Control Tower proactive-control rules shipped in `@cdklabs/cdk-validator-cfnguard` (one `.guard` file each). */
export const CONTROL_TOWER_RULES_DIR = join(
  dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
  'rules',
  'control-tower',
  'cfn-guard',
);

/** Version of `@cdklabs/cdk-validator-cfnguard` (its cfn-guard binary and rules). */
const CFN_GUARD_VERSION = (
  JSON.parse(readFileSync(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'), 'utf8')) as {
    version: string;
  }
).version;

const RESOURCE_TYPE = /["'](AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)["']/g;
let ruleIndex: { file: string; types: Set<string>; sha256: string }[] | undefined;

/**
 * Every Control Tower rule file with the CloudFormation resource types it evaluates (each names at least one) and the
 * SHA-256 of its content.
 */
export function controlTowerRuleIndex(): readonly { file: string; types: ReadonlySet<string>; sha256: string }[] {
  ruleIndex ??= readdirSync(CONTROL_TOWER_RULES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(CONTROL_TOWER_RULES_DIR, d.name))
        .filter((f) => f.endsWith('.guard'))
        .map((f) => join(CONTROL_TOWER_RULES_DIR, d.name, f)),
    )
    .map((file) => {
      const text = readFileSync(file, 'utf8');
      return { file, types: new Set([...text.matchAll(RESOURCE_TYPE)].map((m) => m[1]!)), sha256: sha256(text) };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
  return ruleIndex;
}

/** Options of {@link ControlTowerGuard}. */
export interface ControlTowerGuardProps {
  /** Where findings are cached per template ({@link TemplateReportCache}); `false` turns the cache off. */
  readonly cacheDir?: ValidationCacheDir;
}

/**
 * cfn-guard with the Control Tower rules that can apply, template by template: for each synthesized template it runs
 * only the rule files that evaluate one of the template's resource types. A rule for a type the template does not
 * contain cannot report anything, so the findings are those of the whole rule set (a test compares both on the app),
 * at about a quarter of the CPU time. Findings are cached per template, keyed by the template's bytes, the
 * package version and the whole rule set ({@link TemplateReportCache}), so an unchanged template is not checked again
 * on the next synth. Same plugin name as `CfnGuardValidator`, so acknowledgments are the same.
 */
export class ControlTowerGuard implements IPolicyValidationPlugin {
  readonly name = CFN_GUARD_PLUGIN;
  /** Templates checked and found cached by this plugin, over its life. */
  readonly stats: TemplateValidationStats = { validated: 0, cached: 0 };
  private readonly cache: TemplateReportCache;

  constructor(props: ControlTowerGuardProps = {}) {
    this.cache = new TemplateReportCache('cfn-guard', props.cacheDir);
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const index = controlTowerRuleIndex();
    const ruleSet = sha256(
      JSON.stringify([CFN_GUARD_VERSION, index.map((r) => [relative(CONTROL_TOWER_RULES_DIR, r.file), r.sha256])]),
    );
    const templates = context.templatePaths.map((templatePath) => ({
      templatePath,
      content: readFileSync(templatePath, 'utf8'),
    }));
    const reports = validateWithCache(
      templates,
      this.cache,
      (t) => sha256(ruleSet + t.content),
      (missed) =>
        missed.map((t) => {
          const types = new Set(
            Object.values(
              (JSON.parse(t.content) as { Resources?: Record<string, { Type: string }> }).Resources ?? {},
            ).map((r) => r.Type),
          );
          const rules = index.filter((rule) => [...rule.types].some((type) => types.has(type))).map((r) => r.file);
          if (rules.length === 0) return { success: true, violations: [] };
          return new CfnGuardValidator({ controlTowerRulesEnabled: false, rules }).validate({
            ...context,
            templatePaths: [t.templatePath],
          });
        }),
      this.stats,
    );
    return { success: reports.every((r) => r.success), violations: reports.flatMap((r) => r.violations) };
  }
}

/** One accepted finding. */
export interface GuardAcknowledgment {
  /** cfn-guard rule name, e.g. `s3_bucket_object_lock_enabled_check`. */
  readonly rule: string;
  /** Control Tower control id, e.g. `CT.S3.PR.9` (for readers and the docs). */
  readonly control: string;
  /** The L1 class of the resources it covers. */
  readonly resource: abstract new (...args: never[]) => CfnResource;
  /** Which of those resources it covers; others still fail. */
  readonly covers: (resource: CfnResource) => boolean;
  /** Why the finding is accepted for them. */
  readonly reason: string;
}

const everyone = () => true;
const parentId = (r: IConstruct) => r.node.scope?.node.id ?? '';
const isAccessLogBucket = (r: IConstruct) => r.node.scope instanceof AccessLogsBucket;
const bucketIds =
  (...ids: string[]) =>
  (r: IConstruct) =>
    isAccessLogBucket(r) || ids.includes(parentId(r));

/** Logical ids of the queues a CloudWatch alarm watches (`QueueName` dimension), per stack. */
const watchedQueues = new WeakMap<Stack, Set<string>>();
function isAlarmedQueue(queue: CfnResource): boolean {
  const stack = Stack.of(queue);
  let ids = watchedQueues.get(stack);
  if (!ids) {
    ids = new Set();
    for (const alarm of stack.node.findAll().filter((c) => c instanceof cloudwatch.CfnAlarm)) {
      for (const dimension of [stack.resolve(alarm.dimensions) ?? []].flat() as { name: string; value: unknown }[]) {
        const value = dimension.value as { 'Fn::GetAtt'?: [string, string] };
        if (dimension.name === 'QueueName' && value['Fn::GetAtt']) ids.add(value['Fn::GetAtt'][0]);
      }
    }
    watchedQueues.set(stack, ids);
  }
  return ids.has(stack.getLogicalId(queue));
}

/** Every accepted cfn-guard finding of the app. */
export const GUARD_ACKNOWLEDGMENTS: readonly GuardAcknowledgment[] = [
  {
    rule: 'cloudwatch_log_group_retention_period_check',
    control: 'CT.CLOUDWATCH.PR.2',
    resource: logs.CfnLogGroup,
    covers: (r) => {
      const days = (r as logs.CfnLogGroup).retentionInDays;
      return typeof days === 'number' && days < 365;
    },
    reason:
      "Operational logs of the handlers, state machines and APIs are kept for logRetentionDays (default 30, configurable); audit records are CloudTrail's. Set logRetentionDays to 365 or more where a year is required: the finding then no longer applies.",
  },
  {
    rule: 'cloudwatch_log_group_encrypted_check',
    control: 'CT.CLOUDWATCH.PR.3',
    resource: logs.CfnLogGroup,
    covers: (r) => (r as logs.CfnLogGroup).kmsKeyId === undefined,
    reason:
      'CloudWatch Logs encrypts every log group at rest with service keys, and IAM (logs:GetLogEvents) decides who reads them; the app has no option for a customer managed key on log groups yet (a key policy per log group).',
  },
  {
    rule: 'lambda_inside_vpc_check',
    control: 'CT.LAMBDA.PR.3',
    resource: lambda.CfnFunction,
    covers: (r) => (r as lambda.CfnFunction).vpcConfig === undefined,
    reason:
      'The functions call only public AWS service endpoints (and the GitLab API, which gitlabMlops.vpcId puts in a VPC); a VPC would need a NAT gateway or an interface endpoint per service and would restrict nothing that IAM does not already restrict.',
  },
  {
    rule: 'lambda_function_public_access_prohibited_check',
    control: 'CT.LAMBDA.PR.2',
    resource: lambda.CfnPermission,
    covers: (r) => {
      const p = r as lambda.CfnPermission;
      return /\.amazonaws\.com$/.test(p.principal) && p.sourceArn !== undefined;
    },
    reason:
      "Not public: the permission is for a service principal and carries a SourceArn (API Gateway's execute-api ARN of the one method), built with Fn::Join, which the rule does not evaluate.",
  },
  {
    rule: 's3_bucket_object_lock_enabled_check',
    control: 'CT.S3.PR.9',
    resource: s3.CfnBucket,
    covers: everyone,
    reason:
      'Object Lock makes objects undeletable for a retention period and can only be chosen at bucket creation; these buckets hold working data that lifecycle rules expire or the workflows rewrite (uploads, staging, results, the web page, access logs). Data that cannot be recreated is versioned instead.',
  },
  {
    rule: 's3_bucket_default_encryption_kms_check',
    control: 'CT.S3.PR.10',
    resource: s3.CfnBucket,
    covers: isAccessLogBucket,
    reason: 'S3 server access log delivery supports only SSE-S3 on the target bucket, not SSE-KMS.',
  },
  {
    rule: 's3_bucket_default_encryption_kms_check',
    control: 'CT.S3.PR.10',
    resource: s3.CfnBucket,
    covers: (r) => !isAccessLogBucket(r),
    reason:
      'SSE-S3 (AES-256) is the house default of SecureBucket, so that bucket policies and IAM alone decide access; SecureBucket takes a customer managed key (encryptionKey) where a workload must use SSE-KMS.',
  },
  {
    rule: 'athena_workgroup_results_encrypted_at_rest_kms_check',
    control: 'CT.ATHENA.PR.2',
    resource: athena.CfnWorkGroup,
    covers: everyone,
    reason:
      'Query results are written with SSE-S3 into a SecureBucket whose default encryption is SSE-S3 (the house default above); the workgroup enforces its configuration, so no client can write results unencrypted.',
  },
  {
    rule: 's3_bucket_logging_enabled_check',
    control: 'CT.S3.PR.2',
    resource: s3.CfnBucket,
    covers: isAccessLogBucket,
    reason:
      'This is the server-access-log bucket: logging it into itself would loop, and another log bucket would need one too.',
  },
  {
    rule: 's3_bucket_versioning_enabled_check',
    control: 'CT.S3.PR.11',
    resource: s3.CfnBucket,
    covers: bucketIds('Site'),
    reason:
      'Not versioned on purpose: the access-log bucket receives append-only log files that expire after a year, and the review portal web page (Site) is redeployed from the repository on every deployment.',
  },
  {
    rule: 's3_event_notifications_enabled_check',
    control: 'CT.S3.PR.4',
    resource: s3.CfnBucket,
    covers: bucketIds('AssetBucket', 'Results', 'Site', 'DataBucket', 'Images'),
    reason:
      'No workflow step starts from a new object in this bucket: it receives access logs, Service Catalog product assets, published review results, the web page, Firehose output that the detector reads on its own schedule, or images that a Custom Labels assist run lists when an operator starts it. A notification would have no consumer.',
  },
  {
    rule: 's3_bucket_acl_prohibited_check',
    control: 'CT.S3.PR.5',
    resource: s3.CfnBucket,
    covers: isAccessLogBucket,
    reason:
      "Server access logs are delivered by ACL only when the app is synthesized without cdk.json's @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy flag (unit-test apps); cdk synth delivers them by bucket policy with ACLs disabled.",
  },
  {
    rule: 'sqs_dlq_check',
    control: 'CT.SQS.PR.1',
    resource: sqs.CfnQueue,
    covers: (r) => (r as sqs.CfnQueue).redrivePolicy === undefined && isAlarmedQueue(r),
    reason:
      'This queue is itself a dead-letter (on-failure) destination with an alarm on its depth; a dead-letter queue behind it would move failed records away from the alarm and the redrive runbook.',
  },
  {
    rule: 'dynamodb_table_encrypted_kms_check',
    control: 'CT.DYNAMODB.PR.2',
    resource: dynamodb.CfnTable,
    covers: (r) => {
      const sse = (r as dynamodb.CfnTable).sseSpecification as dynamodb.CfnTable.SSESpecificationProperty | undefined;
      return sse?.sseType !== 'KMS';
    },
    reason:
      'Encrypted at rest with the DynamoDB-owned key (the DynamoDB default); IAM decides who reads the review tasks. A customer managed key is not configurable yet.',
  },
  {
    rule: 'api_gw_v1_execution_logging_enabled_check',
    control: 'CT.APIGATEWAY.PR.1',
    resource: apigateway.CfnStage,
    covers: (r) => (r as apigateway.CfnStage).accessLogSetting !== undefined,
    reason:
      "Access logging is on (one JSON line per request). Execution logging needs the account-wide API Gateway CloudWatch role, which this app leaves to the account (cdk.json disables CDK's role), and would write request bodies (documents, review answers) into logs.",
  },
  ...(
    [
      ['step_functions_state_machine_logging_enabled_check', 'CT.STEPFUNCTIONS.PR.1'],
      ['step_functions_state_machine_tracing_enabled_check', 'CT.STEPFUNCTIONS.PR.2'],
    ] as const
  ).map(([rule, control]): GuardAcknowledgment => ({
    rule,
    control,
    resource: sfn.CfnStateMachine,
    covers: (r) => parentId(r) === 'waiter-state-machine',
    reason:
      "The waiter state machine of an aws-cdk-lib custom-resource Provider (the A2I flow definition's isComplete polling, deployment time only); CloudFormation reports its failures and the handlers' own log groups hold their output. Provider.waiterStateMachineLogOptions could turn its logging on (a follow-up in the active-learning construct).",
  })),
  ...(
    [
      ['cloudfront_custom_ssl_certificate_check', 'CT.CLOUDFRONT.PR.6'],
      ['cloudfront_sni_enabled_check', 'CT.CLOUDFRONT.PR.7'],
      ['cloudfront_security_policy_check', 'CT.CLOUDFRONT.PR.9'],
    ] as const
  ).map(([rule, control]): GuardAcknowledgment => ({
    rule,
    control,
    resource: cloudfront.CfnDistribution,
    covers: (r) => {
      const config = (r as cloudfront.CfnDistribution)
        .distributionConfig as cloudfront.CfnDistribution.DistributionConfigProperty;
      return config.viewerCertificate === undefined && config.aliases === undefined;
    },
    reason:
      "The review portal is served on the distribution's own *.cloudfront.net name with CloudFront's default certificate, which fixes the TLS settings; a custom domain with an ACM certificate (sni-only, TLSv1.2_2021) is not configurable yet.",
  })),
  {
    rule: 'cloudfront_origin_failover_enabled_check',
    control: 'CT.CLOUDFRONT.PR.4',
    resource: cloudfront.CfnDistribution,
    covers: (r) => parentId(r) === 'Distribution',
    reason:
      'One S3 origin holds the static web page of the review portal; an origin group would need a second bucket replicated to another Region for a page whose API is in one Region anyway.',
  },
];

/**
 * Attach {@link GUARD_ACKNOWLEDGMENTS} to the resources they cover. Add it to the app (`Aspects.of(app).add(...)`)
 * beside the cfn-guard plugin.
 */
export class GuardAcknowledgments implements IAspect {
  visit(node: IConstruct): void {
    for (const ack of GUARD_ACKNOWLEDGMENTS) {
      if (node instanceof ack.resource && ack.covers(node)) {
        Validations.of(node).acknowledge({
          id: `${CFN_GUARD_PLUGIN}::${ack.rule}`,
          reason: `${ack.control}: ${ack.reason}`,
        });
      }
    }
  }
}

/**
 * The fix for CT.KMS.PR.3 (`kms_create_grant_aws_service_check`), applied to every customer managed key of the app
 * (`kms.Key`): a key policy statement that denies `kms:CreateGrant` unless the grant is for an AWS resource or the
 * caller is an AWS service. The app's keys encrypt SNS topics that CloudWatch alarms publish to; SNS and CloudWatch
 * use `GenerateDataKey`/`Decrypt`, never grants, so nothing the app does is refused.
 */
export class DenyKeyGrantsExceptForAwsServices implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof kms.Key)) return;
    node.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyGrantsExceptForAwsServices',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );
  }
}
