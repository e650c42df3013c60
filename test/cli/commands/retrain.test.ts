import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { type PrepareReport } from '../../../lambdas/classifier-retraining/core/prepare';
import { runMlw, runMlwInProcess } from '../../helpers/cli';
import { localS3Client, useLocalServices } from '../../helpers/local-services';

const rows = (n: number, label: string, tag: string) =>
  Array.from({ length: n }, (_, i) => `${label},"${tag} ${label} message ${i}"\n`).join('');

describe('mlw retrain check-data', () => {
  const services = useLocalServices('s3');
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlw-retrain-'));
    mkdirSync(join(dir, 'ok', '2026', '11'), { recursive: true });
    writeFileSync(join(dir, 'ok', '2026', '11', 'a.csv'), rows(60, 'BILLING', 'a') + rows(40, 'ACCOUNT', 'a'));
    // The same texts again with another label (the later file wins), plus 20 new ACCOUNT rows and one bad row.
    writeFileSync(
      join(dir, 'ok', '2026', '11', 'b.csv'),
      `\uFEFF${rows(5, 'ACCOUNT', 'a').replace(/ACCOUNT message/g, 'BILLING message')}${rows(20, 'ACCOUNT', 'b')}only-one-column\r\n`,
    );
    writeFileSync(join(dir, 'base.csv'), rows(30, 'ACCOUNT', 'base'));
    mkdirSync(join(dir, 'short'));
    writeFileSync(join(dir, 'short', 'x.csv'), rows(60, 'BILLING', 's') + rows(49, 'ACCOUNT', 's'));
    mkdirSync(join(dir, 'utf16'));
    writeFileSync(join(dir, 'utf16', 'x.csv'), Buffer.from(`\uFEFF${rows(60, 'BILLING', 'u')}`, 'utf16le'));
    mkdirSync(join(dir, 'empty'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exit 0 when training may start; counts, duplicates (the later label wins) and rejected rows with their line', async () => {
    const run = await runMlw(['retrain', 'check-data', join(dir, 'ok'), '--base', join(dir, 'base.csv'), '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as PrepareReport;
    expect(report.mayTrain).toBe(true);
    expect(report.rows).toMatchObject({ documents: 150, duplicates: 5, rejected: 1, base: 30, reviewed: 120 });
    expect(report.classes).toEqual([
      { name: 'ACCOUNT', documents: 95 },
      { name: 'BILLING', documents: 55 },
    ]);
    expect(report.rejections).toEqual([
      expect.objectContaining({ source: expect.stringMatching(/b\.csv$/) as unknown, line: 26 }),
    ]);
  });

  it('exit 3 when it may not, naming each short class and its count', async () => {
    const run = await runMlw(['retrain', 'check-data', join(dir, 'short')]);
    expect(run.status).toBe(3);
    expect(run.stdout).toContain('ACCOUNT: 49  (short)');
    expect(run.stdout).toMatch(/training may not start:\n {2}- .*ACCOUNT.*49/);
  });

  it('--min-new-rows is the new-row gate', async () => {
    const run = await runMlw(['retrain', 'check-data', join(dir, 'short'), '--min-new-rows', '1000', '--json']);
    expect(run.status).toBe(3);
    expect((JSON.parse(run.stdout) as PrepareReport).reasons.join(' ')).toMatch(/1000/);
  });

  it('exit 2 on unreadable input: a missing path, a folder without CSV, a UTF-16 file', async () => {
    for (const input of [join(dir, 'missing'), join(dir, 'empty')]) {
      const run = await runMlw(['retrain', 'check-data', input]);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/^mlw: /);
    }
    const utf16 = await runMlw(['retrain', 'check-data', join(dir, 'utf16'), '--json']);
    expect(utf16.status).toBe(2);
    expect((JSON.parse(utf16.stdout) as PrepareReport).unreadableSources).toHaveLength(1);
  });

  it('reads s3:// prefixes the same way (s3rver)', async () => {
    const s3 = localS3Client(services.s3.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'loop-data' }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'loop-data',
        Key: 'training-data/default/2026/11/30/a.csv',
        Body: rows(60, 'BILLING', 'r') + rows(60, 'ACCOUNT', 'r'),
      }),
    );
    const run = await runMlw(
      [
        'retrain',
        'check-data',
        's3://loop-data/training-data/default/',
        '--json',
        '--endpoint-url',
        services.s3.endpoint,
      ],
      { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_S3_FORCE_PATH_STYLE: 'true' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout) as PrepareReport).rows.documents).toBe(120);
  });
});

describe('mlw retrain start | approve | reject | rollback | status', () => {
  const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:Retraining';
  const sfn = mockClient(SFNClient);
  const cfn = mockClient(CloudFormationClient);
  const dynamo = mockClient(DynamoDBClient);
  beforeEach(() => {
    sfn.reset();
    cfn.reset();
    dynamo.reset();
    sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
      executionArn: `${SM.replace(':stateMachine:', ':execution:')}:${input.name}`,
    }));
  });
  afterAll(() => {
    sfn.restore();
    cfn.restore();
    dynamo.restore();
  });
  const started = () =>
    sfn.commandCalls(StartExecutionCommand).map((c) => ({
      name: c.args[0].input.name,
      input: JSON.parse(c.args[0].input.input!) as unknown,
    }));

  it('start: the execution name is the run id; approve/reject name the run; rollback may name a model', async () => {
    await runMlwInProcess('retrain', 'start', '--run-id', 'before-release-3', '--state-machine-arn', SM);
    await runMlwInProcess('retrain', 'approve', 'before-release-3', '--state-machine-arn', SM);
    await runMlwInProcess('retrain', 'reject', 'before-release-3', '--state-machine-arn', SM);
    const model = 'arn:aws:comprehend:us-east-1:123456789012:document-classifier/default/version/v1';
    await runMlwInProcess('retrain', 'rollback', '--model-arn', model, '--state-machine-arn', SM);
    const calls = started();
    expect(calls.slice(0, 3)).toEqual([
      { name: 'before-release-3', input: { action: 'start', trigger: 'cli' } },
      { name: 'approve-before-release-3', input: { action: 'approve', trigger: 'cli', runId: 'before-release-3' } },
      { name: 'reject-before-release-3', input: { action: 'reject', trigger: 'cli', runId: 'before-release-3' } },
    ]);
    expect(calls[3]).toEqual({
      name: expect.stringMatching(/^rollback-\d{8}T\d{6}Z$/) as unknown,
      input: { action: 'rollback', trigger: 'cli', modelArn: model },
    });
  });

  it('start without --run-id: run-<UTC time>, a valid VersionName; the ARN comes from the stack output', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'Mlw-ClassifierRetraining',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [{ OutputKey: 'StateMachineArn', OutputValue: SM }],
        },
      ],
    });
    const { stdout } = await runMlwInProcess('retrain', 'start');
    expect(started()[0]!.name).toMatch(/^run-\d{8}T\d{6}Z$/);
    expect(JSON.parse(stdout)).toMatchObject({
      executionArn: expect.stringContaining(':execution:Retraining:run-') as unknown,
    });
  });

  it('refuses a run id Comprehend would refuse as VersionName, before any call', async () => {
    await expect(runMlwInProcess('retrain', 'approve', 'run_1', '--state-machine-arn', SM)).rejects.toThrow(
      /letters, digits and single hyphens/,
    );
    expect(sfn.calls()).toHaveLength(0);
  });

  it('status: the lock (with the approve command), the promoted model and the latest executions', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'Mlw-ClassifierRetraining',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: 'StateMachineArn', OutputValue: SM },
            { OutputKey: 'RunTableName', OutputValue: 'runs' },
            { OutputKey: 'ClassifierName', OutputValue: 'default' },
          ],
        },
      ],
    });
    dynamo
      .on(GetItemCommand, { Key: { classifier: { S: 'default' }, item: { S: 'LOCK' } } })
      .resolves({ Item: { runId: { S: 'run-2' }, phase: { S: 'awaiting-approval' } } })
      .on(GetItemCommand, { Key: { classifier: { S: 'default' }, item: { S: 'PROMOTED' } } })
      .resolves({ Item: { runId: { S: 'run-1' }, modelArn: { S: 'arn:model-1' } } });
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          executionArn: `${SM}:run-2`,
          stateMachineArn: SM,
          name: 'run-2',
          status: 'SUCCEEDED',
          startDate: new Date('2026-11-30T03:00:00Z'),
        },
      ],
    });
    const { stdout } = await runMlwInProcess('retrain', 'status');
    expect(stdout).toContain('run run-2 holds the lock (awaiting-approval): mlw retrain approve run-2 | reject run-2');
    expect(stdout).toContain('promoted: arn:model-1 (run run-1)');
    expect(stdout).toContain('run-2  SUCCEEDED  2026-11-30T03:00:00.000Z');
    const json = await runMlwInProcess('retrain', 'status', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      classifier: 'default',
      lock: { runId: 'run-2' },
      promoted: { modelArn: 'arn:model-1' },
    });
  });
});
