import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type z } from 'zod';
import { appConfigSchema, parseConfig } from '../../lib/config';
import { REPO_ROOT } from '../../lib/shared/paths';
import { realApp, synthesizedTemplates } from '../helpers/app';

/**
 * The configuration tables of README.md and docs/*.md and the configuration schema cannot drift: every documented key
 * is a schema key and every schema key is documented; every key, given a non-default value, synthesizes and changes
 * what is synthesized (no documented option is unreachable or silently ignored); every `section.key` the prose names
 * exists.
 */

const SECTIONS = [
  'example',
  'streamingAnomaly',
  'gitlabMlops',
  'activeLearning',
  'labelingChain',
  'reviewPortal',
  'tripOutliers',
  'ciDeployAccess',
  'customLabelsAssist',
  'classifierRetraining',
];
/** Where a guide's table keys live: its section (README tables give full keys). */
const DOCS: Record<string, string> = {
  'README.md': '',
  'docs/active-learning.md': 'activeLearning.',
  'docs/labeling-chain.md': 'labelingChain.',
  'docs/streaming-anomaly.md': 'streamingAnomaly.',
  'docs/gitlab-mlops.md': 'gitlabMlops.',
  'docs/review-portal.md': 'reviewPortal.',
  'docs/trip-outliers.md': '',
  'docs/classifier-retraining.md': 'classifierRetraining.',
  'docs/ci.md': '',
  'docs/custom-labels-assist.md': 'customLabelsAssist.',
  'docs/runbook.md': '',
};
const read = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');

/** Cells of a Markdown table row (`\|` inside a cell is a literal bar). */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

/** The keys of the configuration tables (first column `key`) of one document, as full dotted keys. */
function documentedKeys(file: string): string[] {
  const prefix = DOCS[file]!;
  const keys: string[] = [];
  let inConfigTable = false;
  for (const line of read(file).split('\n')) {
    if (!line.startsWith('|')) {
      inConfigTable = false;
      continue;
    }
    const [first = ''] = cells(line);
    if (first === 'key') {
      inConfigTable = true;
      continue;
    }
    if (!inConfigTable || /^-+$/.test(first)) continue;
    const names = [...first.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const [head, ...rest] = names;
    if (head === undefined) continue;
    keys.push(`${prefix}${head}`);
    // `a.b.c` / `d` names a sibling of `a.b.c`; `a.b` / `a.d` names keys of the same section.
    for (const name of rest)
      keys.push(name.includes('.') ? `${prefix}${name}` : `${prefix}${head.replace(/[^.]+$/, '')}${name}`);
  }
  return keys;
}

/** Every leaf key of a zod schema (objects, unions of objects, defaults and pipes walked through). */
function schemaKeys(schema: z.ZodType, prefix = '', out = new Set<string>()): Set<string> {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  const walkable = (s: z.ZodType) =>
    ['object', 'union', 'pipe', 'default', 'prefault'].includes(
      (s as unknown as { _zod: { def: { type: string } } })._zod.def.type,
    );
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
      schemaKeys(def.innerType as z.ZodType, prefix, out);
      break;
    case 'pipe':
      if (walkable(def.out as z.ZodType)) schemaKeys(def.out as z.ZodType, prefix, out);
      else out.add(prefix);
      break;
    case 'union':
      for (const option of def.options as z.ZodType[]) schemaKeys(option, prefix, out);
      break;
    case 'object':
      for (const [key, value] of Object.entries(def.shape as Record<string, z.ZodType>))
        schemaKeys(value, prefix ? `${prefix}.${key}` : key, out);
      break;
    default:
      out.add(prefix);
  }
  return out;
}

/**
 * A non-default value for every key, the keys it needs beside it (`with`), and what it is compared with (`baseline`,
 * by default the same context without the key).
 */
interface Sample {
  readonly value: string;
  readonly with?: Record<string, string>;
  readonly baseline?: Record<string, string>;
}
const ENDPOINT = 'arn:aws:comprehend:eu-west-1:123456789012:document-classifier-endpoint/intents';
const CREATE = {
  'activeLearning.classifier.mode': 'create',
  'activeLearning.classifier.trainingDataUri': 's3://training-data/x/',
};
const VPC = {
  'gitlabMlops.vpcId': 'vpc-0123456789abcdef0',
  'gitlabMlops.subnetIds': 'subnet-0123456789abcdef0',
  'gitlabMlops.securityGroupIds': 'sg-0123456789abcdef0',
};
const A2I = { 'activeLearning.review': 'a2i' };
const GT = {
  'customLabelsAssist.review': 'ground-truth',
  'customLabelsAssist.groundTruth.workteamArn': 'arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/roofs',
  'customLabelsAssist.groundTruth.roleArn': 'arn:aws:iam::123456789012:role/GroundTruth',
  'customLabelsAssist.groundTruth.uiTemplateS3Uri': 's3://templates/adjust.liquid.html',
};
/** A Ground Truth sample: the key's value against the same settings with the key's other value. */
const gtSample = (key: keyof typeof GT, other: string): Sample => ({
  value: GT[key],
  with: GT,
  baseline: { ...GT, [key]: other },
});
const GITHUB = { 'ciDeployAccess.enabled': 'true', 'ciDeployAccess.repository': 'octo-org/ml-workflows' };
const SAMPLES: Record<string, Sample> = {
  account: { value: '123456789012' },
  region: { value: 'eu-west-1' },
  stackPrefix: { value: 'Team' },
  logRetentionDays: { value: '90' },
  tags: { value: '{"team":"ml"}' },
  'example.enabled': { value: 'false' },
  'example.expireAfterDays': { value: '7' },
  'streamingAnomaly.enabled': { value: 'false' },
  'streamingAnomaly.topic': { value: 'city/+/cameras' },
  'streamingAnomaly.streamMode': { value: 'provisioned' },
  'streamingAnomaly.shardCount': { value: '3', with: { 'streamingAnomaly.streamMode': 'provisioned' } },
  'streamingAnomaly.retentionHours': { value: '48' },
  'streamingAnomaly.windowSeconds': { value: '600' },
  'streamingAnomaly.batchSize': { value: '500' },
  'streamingAnomaly.retryAttempts': { value: '5' },
  'streamingAnomaly.detector': { value: 'none' },
  'streamingAnomaly.prefix': { value: 'city/traffic' },
  'streamingAnomaly.bufferSeconds': { value: '120' },
  'streamingAnomaly.bandWidth': { value: '3' },
  'streamingAnomaly.evaluationPeriods': { value: '2' },
  'streamingAnomaly.alarmCameras': { value: 'cam-1' },
  'streamingAnomaly.alertSensitivity': { value: '50', with: { 'streamingAnomaly.detector': 'lookout' } },
  'streamingAnomaly.shadowThingName': { value: 'sign-1' },
  'streamingAnomaly.maxStateBytes': { value: '500000' },
  'streamingAnomaly.maxClockSkewSeconds': { value: '60' },
  'gitlabMlops.enabled': { value: 'false' },
  'gitlabMlops.gitlabUrl': { value: 'https://gitlab.example.com' },
  'gitlabMlops.oidcProviderArn': { value: 'arn:aws:iam::123456789012:oidc-provider/gitlab.com' },
  'gitlabMlops.oidcAudience': { value: 'sts.amazonaws.com' },
  'gitlabMlops.portfolioId': { value: 'port-abcdefghij123' },
  'gitlabMlops.portfolioName': { value: 'Team templates' },
  'gitlabMlops.owner': { value: 'Team' },
  'gitlabMlops.productName': { value: 'Team product' },
  'gitlabMlops.productVersion': { value: 'v2' },
  'gitlabMlops.studioRoleArns': { value: 'arn:aws:iam::123456789012:role/Studio' },
  'gitlabMlops.branch': { value: 'release' },
  'gitlabMlops.deletePolicy': { value: 'archive' },
  'gitlabMlops.tokenSecretName': { value: 'gitlab/team-token' },
  'gitlabMlops.allowedTokenSecretNames': { value: 'gitlab/other-token' },
  'gitlabMlops.defaultGroupPath': { value: 'ml/team-a' },
  'gitlabMlops.allowedGroupPaths': { value: 'ml/team-a' },
  'gitlabMlops.assetBucketName': { value: 'team-gitlab-assets' },
  // The three VPC keys go together.
  'gitlabMlops.vpcId': { value: VPC['gitlabMlops.vpcId'], with: VPC, baseline: {} },
  'gitlabMlops.subnetIds': { value: VPC['gitlabMlops.subnetIds'], with: VPC, baseline: {} },
  'gitlabMlops.securityGroupIds': { value: VPC['gitlabMlops.securityGroupIds'], with: VPC, baseline: {} },
  'activeLearning.enabled': { value: 'false' },
  'activeLearning.classifier.mode': { value: 'create', with: CREATE, baseline: {} },
  'activeLearning.classifier.name': { value: 'intents' },
  'activeLearning.classifier.parameterPrefix': { value: '/ml/endpoints' },
  'activeLearning.classifier.cacheSeconds': { value: '30' },
  'activeLearning.classifier.endpointArn': {
    value: ENDPOINT,
    with: { 'activeLearning.classifier.mode': 'endpoint-arn' },
    baseline: {
      'activeLearning.classifier.mode': 'endpoint-arn',
      'activeLearning.classifier.endpointArn': ENDPOINT.replace('intents', 'other'),
    },
  },
  'activeLearning.classifier.trainingDataUri': {
    value: 's3://training/intents/',
    with: CREATE,
    baseline: CREATE,
  },
  'activeLearning.classifier.languageCode': { value: 'de', with: CREATE },
  'activeLearning.classifier.inferenceUnits': { value: '2', with: CREATE },
  'activeLearning.threshold': { value: '0.7' },
  'activeLearning.categories': { value: 'SPAM,HAM' },
  'activeLearning.multiLabel': { value: 'true' },
  'activeLearning.maxItemsPerReview': { value: '5' },
  'activeLearning.review': { value: 'a2i' },
  'activeLearning.a2i.workteamArn': {
    value: 'arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/team',
    with: A2I,
  },
  'activeLearning.a2i.workersPerReview': { value: '2', with: A2I },
  'activeLearning.a2i.taskTimeLimitSeconds': { value: '600', with: A2I },
  'activeLearning.a2i.taskAvailabilitySeconds': { value: '86400', with: A2I },
  'activeLearning.a2i.contentClassifiers': { value: 'FreeOfAdultContent', with: A2I },
  'activeLearning.api.quotaPerMonth': { value: '100' },
  'activeLearning.api.rateLimit': { value: '5' },
  'activeLearning.api.burstLimit': { value: '10' },
  'activeLearning.api.allowedOrigins': { value: 'https://app.example.com' },
  'activeLearning.feedbackBufferSeconds': { value: '120' },
  'activeLearning.uploadExpireAfterDays': { value: '30' },
  'labelingChain.enabled': { value: 'false' },
  'labelingChain.maxChainLength': { value: '5' },
  'labelingChain.pollIntervalSeconds': { value: '7200' },
  'labelingChain.autoContinue': { value: 'false' },
  'labelingChain.passRoleArns': { value: 'arn:aws:iam::123456789012:role/GroundTruth' },
  'labelingChain.manifestBuckets': { value: 'my-manifests' },
  'labelingChain.manifestKmsKeyArns': {
    value: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  },
  'reviewPortal.enabled': { value: 'false' },
  'reviewPortal.reviewersPerItem': { value: '2' },
  'reviewPortal.leaseMinutes': { value: '30' },
  'reviewPortal.maxTaskAgeHours': { value: '12' },
  'reviewPortal.taskRetentionDays': { value: '30' },
  'reviewPortal.outputPrefix': { value: 'results/' },
  'reviewPortal.throttleRateLimit': { value: '5' },
  'reviewPortal.throttleBurstLimit': { value: '10' },
  'reviewPortal.mfa': { value: 'optional' },
  'reviewPortal.allowedOrigins': { value: 'http://localhost:8080' },
  'customLabelsAssist.enabled': { value: 'false' },
  'customLabelsAssist.review': { value: 'ground-truth', with: GT, baseline: {} },
  'customLabelsAssist.projectArn': {
    value: 'arn:aws:rekognition:eu-west-1:123456789012:project/rooftops/1700000000000',
  },
  'customLabelsAssist.minInferenceUnits': { value: '2' },
  'customLabelsAssist.minConfidence': { value: '55' },
  'customLabelsAssist.imagesPerPage': { value: '20' },
  'customLabelsAssist.imagesPerTask': { value: '2' },
  'customLabelsAssist.detectConcurrency': { value: '8' },
  'customLabelsAssist.maxImagesPerRun': { value: '500' },
  'customLabelsAssist.reviewWaitDays': { value: '3' },
  'customLabelsAssist.reviewPollMinutes': { value: '60' },
  'customLabelsAssist.maxIdleMinutes': { value: '30' },
  'customLabelsAssist.idleCheckMinutes': { value: '5' },
  'customLabelsAssist.inferenceHoursAlarm': { value: '12' },
  'customLabelsAssist.labelAttribute': { value: 'roof-boxes' },
  'customLabelsAssist.imageOrigins': { value: 'https://labeling.example.com', with: GT },
  'customLabelsAssist.groundTruth.workteamArn': gtSample(
    'customLabelsAssist.groundTruth.workteamArn',
    'arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/other',
  ),
  'customLabelsAssist.groundTruth.roleArn': gtSample(
    'customLabelsAssist.groundTruth.roleArn',
    'arn:aws:iam::123456789012:role/Other',
  ),
  'customLabelsAssist.groundTruth.uiTemplateS3Uri': gtSample(
    'customLabelsAssist.groundTruth.uiTemplateS3Uri',
    's3://templates/other.liquid.html',
  ),
  'reviewPortal.webAclArn': {
    value: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/portal/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
  },
  'tripOutliers.enabled': { value: 'false' },
  'tripOutliers.databaseName': { value: 'taxi_trips' },
  'tripOutliers.workGroupName': { value: 'taxi-trips' },
  'tripOutliers.bytesScannedCutoffGiB': { value: '0.5' },
  'tripOutliers.maxDurationSeconds': { value: '7200' },
  'tripOutliers.maxSpeedMph': { value: '80' },
  'tripOutliers.timeZone': { value: 'Europe/Berlin' },
  'tripOutliers.sourceBaseUrl': { value: 'https://trips.example.com/data' },
  'tripOutliers.queryResultsRetentionDays': { value: '7' },
  'classifierRetraining.enabled': { value: 'false' },
  'classifierRetraining.mode': { value: 'flywheel' },
  'classifierRetraining.approval': { value: 'auto' },
  'classifierRetraining.schedule': { value: 'cron(0 3 ? * MON *)' },
  'classifierRetraining.baseTrainingDataUri': { value: 's3://base-data/intents/base.csv' },
  'classifierRetraining.testDataUri': { value: 's3://base-data/intents/test.csv' },
  'classifierRetraining.minNewRows': { value: '500' },
  'classifierRetraining.minImprovement': { value: '0.01' },
  'classifierRetraining.minF1': { value: '0.8' },
  'classifierRetraining.keepVersions': { value: '5' },
  'classifierRetraining.inferenceUnits': { value: '2' },
  'classifierRetraining.volumeKmsKeyArn': {
    value: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  },
  'classifierRetraining.modelKmsKeyArn': {
    value: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  },
  'classifierRetraining.trainingPollMinutes': { value: '30' },
  'classifierRetraining.maxRunHours': { value: '72' },
  'ciDeployAccess.enabled': { value: 'true', with: GITHUB, baseline: {} },
  'ciDeployAccess.provider': { value: 'gitlab', with: GITHUB },
  'ciDeployAccess.repository': {
    value: 'octo-org/other',
    with: GITHUB,
    baseline: GITHUB,
  },
  'ciDeployAccess.branch': { value: 'release', with: GITHUB },
  'ciDeployAccess.environment': { value: 'production', with: GITHUB },
  'ciDeployAccess.gitlabUrl': {
    value: 'https://gitlab.example.com',
    with: { ...GITHUB, 'ciDeployAccess.provider': 'gitlab' },
  },
  'ciDeployAccess.oidcProviderArn': {
    value: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
    with: GITHUB,
  },
  'ciDeployAccess.qualifier': { value: 'team', with: GITHUB },
  'ciDeployAccess.diffRole': { value: 'false', with: GITHUB },
};

/** Only the stacks a key's section needs. */
function onlySection(key: string): Record<string, string> {
  const section = key.includes('.') ? key.split('.')[0]! : 'example';
  // The loop and Custom Labels assist review through the portal by default; retraining retrains the loop's classifier.
  const needed = new Set([
    section,
    ...(section === 'activeLearning' || section === 'customLabelsAssist' ? ['reviewPortal'] : []),
    ...(section === 'classifierRetraining' ? ['reviewPortal', 'activeLearning'] : []),
  ]);
  return Object.fromEntries(SECTIONS.filter((s) => !needed.has(s)).map((s) => [`${s}.enabled`, 'false']));
}

/** What the app synthesizes with a context: every template, and each stack's name and environment. */
const fingerprints = new Map<string, string>();
function fingerprint(context: Record<string, string>): string {
  const id = JSON.stringify(Object.entries(context).sort());
  const cached = fingerprints.get(id);
  if (cached !== undefined) return cached;
  const app = realApp(context);
  const stacks = app.node.children.map((c) => [
    c.node.id,
    JSON.stringify((c as { environment?: unknown }).environment),
  ]);
  const result = JSON.stringify([stacks, [...synthesizedTemplates(app)]]);
  fingerprints.set(id, result);
  return result;
}

const documented = Object.keys(DOCS).flatMap((file) => documentedKeys(file).map((key) => ({ key, file })));
const schema = schemaKeys(appConfigSchema);

describe('configuration documentation and schema', () => {
  it('reads the configuration tables', () => {
    expect(documented.length).toBeGreaterThan(80);
    expect(documented.map((d) => d.key)).toEqual(
      expect.arrayContaining(['logRetentionDays', 'activeLearning.api.burstLimit', 'gitlabMlops.productVersion']),
    );
  });

  it('documents only keys the schema knows', () => {
    expect(documented.filter((d) => !schema.has(d.key)).map((d) => `${d.file}: ${d.key}`)).toEqual([]);
  });

  it('documents every key of the schema in a configuration table', () => {
    const keys = new Set(documented.map((d) => d.key));
    expect([...schema].filter((key) => !keys.has(key))).toEqual([]);
  });

  it('names only existing keys in the prose (`section.key`, -c section.key=…)', () => {
    const sections = SECTIONS.join('|');
    const named = new RegExp(`(?:\`|-c )((?:${sections})\\.[A-Za-z0-9.]*[A-Za-z0-9])`, 'g');
    const unknown = Object.keys(DOCS).flatMap((file) =>
      [...read(file).matchAll(named)]
        .map((m) => m[1]!)
        .filter((key) => !schema.has(key) && ![...schema].some((k) => k.startsWith(`${key}.`)))
        .map((key) => `${file}: ${key}`),
    );
    expect(unknown).toEqual([]);
  });

  it('reaches from configuration every construct option a guide names', () => {
    // Option names of the workflow constructs' props (`readonly <name>` inside `export interface …Props`).
    const constructFiles = [
      'active-learning',
      'streaming-anomaly',
      'labeling-chain',
      'gitlab-mlops',
      'review-portal',
      'trip-outliers',
      'ci-deploy-access',
      'classifier-retraining',
    ]
      .flatMap((workflow) =>
        ['index.ts', 'product-stack.ts', 'a2i-review.ts', 'classifier-endpoint.ts'].map(
          (f) => `lib/constructs/${workflow}/${f}`,
        ),
      )
      .filter((file) => existsSync(join(REPO_ROOT, file)));
    const options = new Set(
      constructFiles.flatMap((file) =>
        [...read(file).matchAll(/export interface \w+Props\b[^{]*\{([\s\S]*?)\n\}/g)].flatMap((m) =>
          [...m[1]!.matchAll(/readonly (\w+)\??:/g)].map((o) => o[1]!),
        ),
      ),
    );
    expect(options.size).toBeGreaterThan(40);
    const leaves = new Set([...schema].flatMap((key) => key.split('.')));
    const unreachable = Object.keys(DOCS).flatMap((file) =>
      [...read(file).matchAll(/`([A-Za-z][A-Za-z0-9]*)`/g)]
        .map((m) => m[1]!)
        .filter((name) => options.has(name) && !leaves.has(name))
        .map((name) => `${file}: ${name}`),
    );
    expect(unreachable).toEqual([]);
  });

  it('has a sample value for every key', () => {
    expect([...schema].filter((key) => SAMPLES[key] === undefined)).toEqual([]);
  });
});

describe('every documented key synthesizes and changes what is synthesized', () => {
  it.each([...schema].sort())('%s', (key) => {
    const sample = SAMPLES[key]!;
    const context = { ...onlySection(key), ...sample.with, [key]: sample.value };
    const { [key]: _omitted, ...withoutKey } = { ...sample.with };
    const baseline = { ...onlySection(key), ...(sample.baseline ?? withoutKey) };
    expect(() => parseConfig(context)).not.toThrow();
    expect(fingerprint(context)).not.toEqual(fingerprint(baseline));
  });
});
