import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cdkJsonContext, realApp, synthesizedTemplates } from '../helpers/app';
import { APP_MODES as MODES } from '../helpers/app-modes';

/**
 * Construct IDs of stateful resources are a contract: CloudFormation replaces a resource whose logical ID changes,
 * and a retained table, bucket or user pool is then orphaned (its data left behind, a new empty one created). This
 * test pins the logical ID of every stateful resource of every template of the real app (`cdk.json` context
 * included), in the default configuration and in the alternative modes that create other resources.
 */

/** Resource types whose replacement loses data, identities, or breaks what was provisioned from them. */
const STATEFUL_TYPES = new Set([
  'AWS::DynamoDB::Table',
  'AWS::S3::Bucket',
  'AWS::Cognito::UserPool',
  'AWS::Cognito::UserPoolDomain',
  'AWS::Kinesis::Stream',
  'AWS::KinesisFirehose::DeliveryStream',
  'AWS::KMS::Key',
  'AWS::SQS::Queue',
  'AWS::SSM::Parameter',
  'AWS::SageMaker::Workforce',
  'AWS::SageMaker::Workteam',
  'AWS::SageMaker::ModelPackageGroup',
  'AWS::Comprehend::DocumentClassifier',
  // A replaced flywheel loses its datasets, data lake layout and model history.
  'AWS::Comprehend::Flywheel',
  'AWS::ServiceCatalog::Portfolio',
  'AWS::ServiceCatalog::CloudFormationProduct',
  'AWS::IAM::OIDCProvider',
  // A replaced Glue database takes the tables created in it at run time; the workgroup holds the query history.
  'AWS::Glue::Database',
  'AWS::Glue::Table',
  'AWS::Athena::WorkGroup',
  // A replaced Custom Labels project takes its datasets (the reviewers' work) and trained model versions.
  'AWS::Rekognition::Project',
]);

/** `test/fixtures/stateful-logical-ids.json`: mode → template (stack construct path) → `"<logical id> <type>"`, sorted. */
type Pinned = Record<string, Record<string, string[]>>;
const PIN_FILE = join(__dirname, '../fixtures/stateful-logical-ids.json');
const pinned = (JSON.parse(readFileSync(PIN_FILE, 'utf8')) as { modes: Pinned }).modes;

function statefulIds(context: Record<string, string>): Record<string, string[]> {
  const templates = synthesizedTemplates(realApp({ ...cdkJsonContext(), ...context }));
  const out: Record<string, string[]> = {};
  for (const [path, template] of [...templates].sort(([a], [b]) => a.localeCompare(b))) {
    const ids = Object.entries(template.Resources ?? {})
      .filter(([, r]) => STATEFUL_TYPES.has(r.Type))
      .map(([id, r]) => `${id} ${r.Type}`)
      .sort();
    if (ids.length > 0) out[path] = ids;
  }
  return out;
}

/** One line per difference, saying what a deployed stack would do. */
function differences(mode: string, expected: Record<string, string[]>, actual: Record<string, string[]>): string[] {
  const lines: string[] = [];
  for (const path of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const before = new Set(expected[path] ?? []);
    const after = new Set(actual[path] ?? []);
    for (const id of before)
      if (!after.has(id))
        lines.push(
          `${mode} ${path}: ${id} is pinned but no longer synthesized (a deployed one would be REPLACED or DELETED)`,
        );
    for (const id of after) if (!before.has(id)) lines.push(`${mode} ${path}: ${id} is new (not pinned yet)`);
  }
  return lines;
}

describe('logical IDs of stateful resources (a changed ID replaces a deployed resource)', () => {
  it('pins every mode it synthesizes, and nothing else', () => {
    expect(Object.keys(pinned).sort()).toEqual(Object.keys(MODES).sort());
  });

  it.each(Object.keys(MODES))('%s configuration: every stateful logical ID is unchanged', (mode) => {
    const actual = statefulIds(MODES[mode]!);
    const problems = differences(mode, pinned[mode] ?? {}, actual);
    if (problems.length > 0) {
      // Say what happened, why it matters and how to accept an intended change.
      throw new Error(
        [
          'Stateful logical IDs changed. CloudFormation replaces a resource whose logical ID changes: a retained table,',
          'bucket or user pool is orphaned with its data and a new empty one is created. Keep construct ids (and',
          'their scopes) when moving code; if the change is intended and documented, update',
          `${PIN_FILE} ("modes"."${mode}") to:`,
          JSON.stringify(actual, null, 2),
          '',
          ...problems,
        ].join('\n'),
      );
    }
    expect(problems).toEqual([]);
  });

  it('the check can fail: a renamed resource is reported with what a deployment would do', () => {
    const expected = { 'Mlw-ReviewPortal': ['PortalTasks1234 AWS::DynamoDB::Table'] };
    const actual = { 'Mlw-ReviewPortal': ['PortalTaskTable5678 AWS::DynamoDB::Table'] };
    expect(differences('default', expected, actual)).toEqual([
      'default Mlw-ReviewPortal: PortalTasks1234 AWS::DynamoDB::Table is pinned but no longer synthesized (a deployed one would be REPLACED or DELETED)',
      'default Mlw-ReviewPortal: PortalTaskTable5678 AWS::DynamoDB::Table is new (not pinned yet)',
    ]);
  });
});
