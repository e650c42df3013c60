import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { RAW_COLUMNS, STEPS, TLC_BASE_URL, TRIP_OUTLIERS_ENV } from '../../../lambdas/trip-outliers/contract';
import { type ConfigError, parseConfig } from '../../../lib/config';
import { TripOutlierAnalysis } from '../../../lib/constructs/trip-outliers';
import { realApp, stackOf, templateOf, testApp } from '../../helpers/app';
import { synthesizedDefinition } from '../../helpers/state-machine';

// asl-validator ships no types: validate(definition, options) → { isValid, errors }.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const validateAsl = require('asl-validator') as (
  definition: unknown,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => { isValid: boolean; errors: unknown[] };

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

describe('trip-outliers stack', () => {
  const stack = stackOf(realApp(), 'Mlw-TripOutliers');
  const template = templateOf(stack);
  const json = template.toJSON() as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };

  /** Every statement of every policy attached to a role whose logical id starts with `prefix`. */
  function statementsOf(prefix: string): Statement[] {
    return Object.values(json.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .filter((r) => (r.Properties.Roles as { Ref: string }[]).some((role) => role.Ref.startsWith(prefix)))
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  }
  const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

  it('declares the raw table: every spelling in its widest type, Parquet, partition projection, no crawler', () => {
    template.resourceCountIs('AWS::Glue::Crawler', 0);
    template.hasResourceProperties('AWS::Glue::Database', {
      DatabaseInput: { Name: 'mlw_tripoutliers' },
    });
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'mlw_tripoutliers',
      TableInput: {
        Name: 'trips_raw',
        TableType: 'EXTERNAL_TABLE',
        PartitionKeys: [
          { Name: 'year', Type: 'string' },
          { Name: 'month', Type: 'string' },
        ],
        Parameters: Match.objectLike({
          classification: 'parquet',
          'projection.enabled': 'true',
          'projection.year.type': 'integer',
          'projection.year.range': '2009,2099',
          'projection.month.type': 'integer',
          'projection.month.range': '1,12',
          'projection.month.digits': '2',
          'storage.location.template': {
            'Fn::Join': [
              '',
              ['s3://', { Ref: Match.stringLikeRegexp('DataBucket') }, '/raw/year=${year}/month=${month}/'],
            ],
          },
        }),
        StorageDescriptor: Match.objectLike({
          InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          SerdeInfo: Match.objectLike({
            SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
          }),
          Columns: RAW_COLUMNS.map((c) => Match.objectLike({ Name: c.name, Type: c.type })),
        }),
      },
    });
    // Both spellings of renamed columns are columns; case-only renames (Airport_fee) need none.
    const names = RAW_COLUMNS.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['tpep_pickup_datetime', 'pickup_datetime', 'airport_fee']));
    expect(names).not.toContain('Airport_fee');
    expect(RAW_COLUMNS.find((c) => c.name === 'passenger_count')?.type).toBe('double');
  });

  it('runs Athena in a workgroup with enforced settings, encrypted results and a 10 GiB scan cutoff', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'Mlw-TripOutliers',
      State: 'ENABLED',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        RequesterPaysEnabled: false,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: Match.anyValue() }, '/athena-results/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
        },
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          { Id: 'expire-query-results', Prefix: 'athena-results/', ExpirationInDays: 30, Status: 'Enabled' },
        ]),
      },
    });
  });

  it('saves one query per step for the console, against the views (normalize takes the month as ? parameters)', () => {
    const queries = template.findResources('AWS::Athena::NamedQuery') as Record<
      string,
      { Properties: { Name: string } & Record<string, unknown> }
    >;
    const byName = Object.fromEntries(Object.values(queries).map((q) => [q.Properties.Name, q.Properties]));
    expect(Object.keys(byName)).toEqual(STEPS.map((step, i) => `trip-outliers ${i + 1} ${step}`));
    for (const props of Object.values(byName)) {
      expect(props).toMatchObject({ Database: 'mlw_tripoutliers', WorkGroup: 'Mlw-TripOutliers' });
    }
    expect(byName['trip-outliers 1 normalize']!.QueryString).toContain('WHERE year = ? AND month = ?');
    expect(byName['trip-outliers 2 profile']!.QueryString).toContain('approx_percentile(duration_seconds, 0.5)');
    expect(byName['trip-outliers 3 flag']!.QueryString).toContain('FROM trips_normalized');
  });

  it('has a valid JSONPath definition with Athena through startQueryExecution.sync as plain ASL', () => {
    const definition = synthesizedDefinition(stack, 'Analysis');
    expect(validateAsl(definition, { checkArn: false, checkPaths: true })).toMatchObject({ isValid: true, errors: [] });
    const text = JSON.stringify(definition);
    expect(text.match(/arn:aws:states:::athena:startQueryExecution\.sync/g)).toHaveLength(6);
    expect(text).not.toContain('QueryLanguage":"JSONata');
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: Match.anyValue() },
    });
  });

  it('scopes the state machine role itself: no Lake Formation, no wildcard S3 or Glue resources', () => {
    const statements = statementsOf('AnalysisStateMachineRole');
    expect(statements.flatMap(actions)).not.toContainEqual(expect.stringMatching(/^lakeformation:|\*$/));
    const star = statements.filter((s) => s.Resource === '*');
    expect(star.flatMap(actions).sort()).toEqual(
      [
        'logs:CreateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:DescribeLogGroups',
        'logs:DescribeResourcePolicies',
        'logs:GetLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:UpdateLogDelivery',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    const athena = statements.find((s) => actions(s).includes('athena:StartQueryExecution'))!;
    expect(actions(athena).sort()).toEqual(
      ['athena:GetQueryExecution', 'athena:StartQueryExecution', 'athena:StopQueryExecution'].sort(),
    );
    expect(JSON.stringify(athena.Resource)).toContain(':workgroup/Mlw-TripOutliers');
    const glue = statements.find((s) => actions(s).includes('glue:CreateTable'))!;
    expect(actions(glue)).not.toContain('glue:DeleteTable');
    expect(JSON.stringify(glue.Resource)).toContain(':table/mlw_tripoutliers/*');
    const s3 = statements.filter((s) => actions(s).some((a) => a.startsWith('s3:')));
    const s3Resources = JSON.stringify(s3.map((s) => s.Resource));
    for (const prefix of ['/raw/*', '/tables/*', '/athena-results/*']) expect(s3Resources).toContain(prefix);
    expect(s3Resources).not.toMatch(/"arn:[^"]*:s3:::\*/);
  });

  it('gives the ingest function its source, bounds and bucket, and write access only to raw/ and reports/', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('checks a month'),
      Runtime: 'nodejs24.x',
      Timeout: 900,
      Environment: {
        Variables: Match.objectLike({
          [TRIP_OUTLIERS_ENV.SOURCE_BASE_URL]: TLC_BASE_URL,
          [TRIP_OUTLIERS_ENV.MAX_DURATION_SECONDS]: '86400',
          [TRIP_OUTLIERS_ENV.MAX_SPEED_MPH]: '100',
          [TRIP_OUTLIERS_ENV.TIME_ZONE]: 'America/New_York',
          [TRIP_OUTLIERS_ENV.DATA_BUCKET]: { Ref: Match.stringLikeRegexp('DataBucket') },
        }),
      },
    });
    const writes = statementsOf('AnalysisIngestFunctionRole').filter((s) => actions(s).includes('s3:PutObject'));
    expect(JSON.stringify(writes.map((s) => s.Resource))).toMatch(/\/raw\/\*.*\/reports\/\*/);
  });

  it('outputs what mlw trips reads', () => {
    for (const output of ['StateMachineArn', 'DataBucketName', 'DatabaseName', 'WorkGroupName', 'AlarmTopicArn']) {
      template.hasOutput(output, {});
    }
  });

  it('takes its settings from configuration', () => {
    const configured = templateOf(
      stackOf(
        realApp({
          'tripOutliers.databaseName': 'taxi',
          'tripOutliers.bytesScannedCutoffGiB': '0.5',
          'tripOutliers.maxSpeedMph': '80',
          'tripOutliers.queryResultsRetentionDays': '7',
        }),
        'Mlw-TripOutliers',
      ),
    );
    configured.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: 512 * 1024 ** 2 }),
    });
    configured.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'taxi' } });
    configured.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [TRIP_OUTLIERS_ENV.MAX_SPEED_MPH]: '80' }) },
    });
    expect(stackOf(realApp({ 'tripOutliers.enabled': 'false' }), 'Mlw-LabelingChain')).toBeDefined();
    expect(() => stackOf(realApp({ 'tripOutliers.enabled': 'false' }), 'Mlw-TripOutliers')).toThrow(/No stack/);
  });

  it('rejects configuration with a message naming the key', () => {
    const problems = (context: Record<string, unknown>) => {
      try {
        parseConfig(context);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ 'tripOutliers.bytesScannedCutoffGiB': '0.001' })).toEqual([
      'tripOutliers.bytesScannedCutoffGiB: received "0.001"; expected a value >= 0.01 and <= 1048576',
    ]);
    expect(problems({ 'tripOutliers.databaseName': 'Trips-DB' })[0]).toMatch(/^tripOutliers.databaseName: received/);
    expect(problems({ 'tripOutliers.sourceBaseUrl': 'http://example.com/trips' })[0]).toContain(
      'expected an https:// URL',
    );
    expect(problems({ 'tripOutliers.maxSpeedMph': '0' })[0]).toMatch(/^tripOutliers.maxSpeedMph/);
  });

  describe('validation of the construct props', () => {
    const build = (props: ConstructorParameters<typeof TripOutlierAnalysis>[2]) => () =>
      new TripOutlierAnalysis(new Stack(testApp(), 'S'), 'Trips', props);

    it.each([
      [{ databaseName: 'Bad-Name' }, /invalid databaseName "Bad-Name": use lower-case letters/],
      [{ workGroupName: 'has space' }, /invalid workGroupName/],
      [
        { bytesScannedCutoffPerQuery: Size.mebibytes(5) },
        /invalid bytesScannedCutoffPerQuery 5 MiB: must be at least 10 MiB/,
      ],
      [{ bounds: { maxSpeedMph: 0 } }, /invalid bounds.maxSpeedMph 0: must be between 1 and 1000 mph/],
      [{ bounds: { maxDurationSeconds: 10 } }, /invalid bounds.maxDurationSeconds 10/],
      [{ sourceBaseUrl: 'http://insecure.example/trips' }, /invalid sourceBaseUrl .*must be an https:\/\/ URL/],
      [{ timeZone: 'New York' }, /invalid timeZone "New York"/],
      [{ queryTimeout: Duration.seconds(10) }, /invalid queryTimeout 10: must be between 60 and 86400 seconds/],
    ])('throws for %j', (props, message) => {
      expect(build(props)).toThrow(message);
    });

    it('accepts the defaults', () => {
      expect(build({})).not.toThrow();
    });
  });
});
