import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../../lib/config';
import { REPO_ROOT } from '../../lib/shared/paths';

/**
 * Conditional and cross-section configuration rules live in the schema (discriminated unions, refinements) and are
 * reported with every other problem, one line each, naming the key and the fix.
 */

function problemsOf(context: Record<string, unknown>): readonly string[] {
  try {
    parseConfig(context);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration rules in the schema', () => {
  it.each<[string, Record<string, string>, string[]]>([
    [
      'endpoint-arn without endpointArn',
      { 'activeLearning.classifier.mode': 'endpoint-arn' },
      ['activeLearning.classifier.endpointArn: required when activeLearning.classifier.mode is endpoint-arn'],
    ],
    [
      'create without trainingDataUri',
      { 'activeLearning.classifier.mode': 'create' },
      ['activeLearning.classifier.trainingDataUri: required when activeLearning.classifier.mode is create'],
    ],
    [
      'a key of another classifier mode',
      {
        'activeLearning.classifier.mode': 'create',
        'activeLearning.classifier.trainingDataUri': 's3://training-data/intents/',
        'activeLearning.classifier.cacheSeconds': '30',
      },
      [
        'activeLearning.classifier.cacheSeconds: applies only when activeLearning.classifier.mode is ssm-parameter, not "create"; remove it or set activeLearning.classifier.mode=ssm-parameter',
      ],
    ],
    [
      'endpointArn with the default mode',
      {
        'activeLearning.classifier.endpointArn':
          'arn:aws:comprehend:eu-west-1:123456789012:document-classifier-endpoint/x',
      },
      [
        'activeLearning.classifier.endpointArn: applies only when activeLearning.classifier.mode is endpoint-arn, not "ssm-parameter" (the default); remove it or set activeLearning.classifier.mode=endpoint-arn',
      ],
    ],
    [
      'an unknown classifier mode',
      { 'activeLearning.classifier.mode': 'remote' },
      ['activeLearning.classifier.mode: received "remote"; expected one of ssm-parameter, endpoint-arn, create'],
    ],
    [
      'a time zone the tz database does not know',
      { 'tripOutliers.timeZone': 'Mars/Base' },
      [
        'tripOutliers.timeZone: received "Mars/Base"; expected an IANA time zone the tz database knows, e.g. America/New_York or Europe/Berlin',
      ],
    ],
    [
      'a schedule EventBridge Scheduler would refuse at deploy',
      { 'classifierRetraining.schedule': 'rate(7 dayz)' },
      [
        'classifierRetraining.schedule: received "rate(7 dayz)"; expected off or an EventBridge Scheduler expression: rate(7 days), cron(0 6 ? * MON *) or at(2026-12-01T06:00:00)',
      ],
    ],
    [
      'retraining switched on without the loop it retrains',
      { 'classifierRetraining.enabled': 'true', 'activeLearning.enabled': 'false' },
      [
        "classifierRetraining.enabled: received true but activeLearning.enabled is false; retraining retrains the loop's classifier: enable the loop or leave classifierRetraining.enabled unset",
      ],
    ],
    [
      'shardCount without a provisioned stream',
      { 'streamingAnomaly.shardCount': '4' },
      [
        'streamingAnomaly.shardCount: applies only when streamingAnomaly.streamMode is provisioned, not "on-demand" (the default); remove it or set streamingAnomaly.streamMode=provisioned',
      ],
    ],
    [
      'the portal review back end without the portal',
      { 'reviewPortal.enabled': 'false' },
      [
        'activeLearning.review: received "portal" but reviewPortal.enabled is false; enable the review portal or set activeLearning.review=a2i',
        'customLabelsAssist.review: received "portal" but reviewPortal.enabled is false; enable the review portal or set customLabelsAssist.review=ground-truth',
      ],
    ],
    [
      'a Region without Ground Truth built-in task Lambdas',
      { region: 'sa-east-1' },
      [
        'region: received "sa-east-1"; Ground Truth\'s built-in task Lambdas, which the labeling chain uses, do not exist in sa-east-1 (they exist in us-east-1, us-east-2, us-west-2, ca-central-1, eu-west-1, eu-west-2, eu-central-1, ap-northeast-1, ap-northeast-2, ap-south-1, ap-southeast-1, ap-southeast-2); deploy to one of those, or set labelingChain.enabled=false',
      ],
    ],
    [
      'a default group the launch parameter would not allow',
      { 'gitlabMlops.defaultGroupPath': 'ml/team-a', 'gitlabMlops.allowedGroupPaths': 'ml/team-b' },
      [
        'gitlabMlops.defaultGroupPath: received "ml/team-a"; expected one of allowedGroupPaths (a launch could not use its own default)',
      ],
    ],
  ])('%s: one line naming the key and the fix', (_name, context, expected) => {
    expect(problemsOf(context)).toEqual(expected);
  });

  it('accepts what the rules allow', () => {
    expect(problemsOf({ 'streamingAnomaly.streamMode': 'provisioned', 'streamingAnomaly.shardCount': '4' })).toEqual(
      [],
    );
    expect(problemsOf({ region: 'sa-east-1', 'labelingChain.enabled': 'false' })).toEqual([]);
    expect(problemsOf({ 'tripOutliers.timeZone': 'Europe/Berlin' })).toEqual([]);
    for (const schedule of ['off', 'rate(1 day)', 'rate(12 hours)', 'cron(0 6 ? * MON *)', 'at(2026-12-01T06:00:00)'])
      expect(problemsOf({ 'classifierRetraining.schedule': schedule })).toEqual([]);
    // Unset, retraining follows the loop: no stack and no problem without it.
    expect(problemsOf({ 'activeLearning.enabled': 'false', 'customLabelsAssist.enabled': 'false' })).toEqual([]);
    const noAssist = { 'customLabelsAssist.enabled': 'false' };
    expect(problemsOf({ 'reviewPortal.enabled': 'false', 'activeLearning.review': 'a2i', ...noAssist })).toEqual([]);
    expect(problemsOf({ 'reviewPortal.enabled': 'false', 'activeLearning.enabled': 'false', ...noAssist })).toEqual([]);
    expect(
      problemsOf({
        'reviewPortal.enabled': 'false',
        'activeLearning.enabled': 'false',
        'customLabelsAssist.review': 'ground-truth',
        'customLabelsAssist.groundTruth.workteamArn':
          'arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/t',
        'customLabelsAssist.groundTruth.roleArn': 'arn:aws:iam::123456789012:role/GroundTruth',
        'customLabelsAssist.groundTruth.uiTemplateS3Uri': 's3://templates/adjust.liquid',
      }),
    ).toEqual([]);
    const config = parseConfig({
      'activeLearning.classifier.mode': 'endpoint-arn',
      'activeLearning.classifier.endpointArn':
        'arn:aws:comprehend:eu-west-1:123456789012:document-classifier-endpoint/x',
    });
    expect(config.activeLearning.classifier).toEqual({
      mode: 'endpoint-arn',
      name: 'default',
      endpointArn: 'arn:aws:comprehend:eu-west-1:123456789012:document-classifier-endpoint/x',
    });
  });

  it('reports the rules together with every other problem', () => {
    expect(
      problemsOf({
        logRetentionDays: '13',
        'reviewPortal.enabled': 'false',
        'activeLearning.classifier.mode': 'create',
        'streamingAnomaly.shardCount': '2',
      }).map((p) => p.split(':')[0]),
    ).toEqual(
      expect.arrayContaining([
        'logRetentionDays',
        'activeLearning.review',
        'activeLearning.classifier.trainingDataUri',
        'streamingAnomaly.shardCount',
      ]),
    );
  });
});

describe('the real app entry (bin/app.ts) with bad configuration', () => {
  let outdir: string;
  beforeEach(() => {
    outdir = mkdtempSync(join(tmpdir(), 'mlw-config-'));
  });
  afterEach(() => rmSync(outdir, { recursive: true, force: true }));

  it('prints one line per problem on stderr, no stack trace, and exits 1', () => {
    const result = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['bin/app.ts'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({
          'aws:cdk:bundling-stacks': [],
          'activeLearning.classifier.mode': 'endpoint-arn',
          'streamingAnomaly.shardCount': '3',
          region: 'sa-east-1',
        }),
      },
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'Invalid configuration (cdk.json "context" or -c key=value):',
      expect.stringMatching(
        /^ {2}- streamingAnomaly\.shardCount: applies only when streamingAnomaly\.streamMode is provisioned/,
      ),
      '  - activeLearning.classifier.endpointArn: required when activeLearning.classifier.mode is endpoint-arn',
      expect.stringMatching(/^ {2}- region: received "sa-east-1"; Ground Truth's built-in task Lambdas/),
    ]);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
