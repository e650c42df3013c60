import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runMlw, runMlwInProcess } from '../../helpers/cli';
import { localS3Client, useLocalServices } from '../../helpers/local-services';
import { fixturePath, fixtureText } from '../../helpers/labeling-chain-fixtures';

const mlw = (...args: string[]) => runMlw(args);
const inProcess = async (...args: string[]) => (await runMlwInProcess(...args)).stdout;

describe('mlw manifest and mlw chain', () => {
  const services = useLocalServices('s3');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlw-manifest-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('manifest stats --json prints exactly the named counters', async () => {
    const run = await mlw(
      'manifest',
      'stats',
      fixturePath('image-classification.output.manifest'),
      '--label-attribute',
      'animal',
      '--json',
    );
    expect(run.status).toBe(0);
    const stats = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(stats)).toEqual([
      'total',
      'labeled',
      'humanLabeled',
      'machineLabeled',
      'failed',
      'unlabeled',
      'needsLabeling',
      'failureReasons',
    ]);
    expect(stats).toMatchObject({
      total: 10,
      labeled: 5,
      humanLabeled: 4,
      machineLabeled: 1,
      failed: 3,
      unlabeled: 2,
      needsLabeling: 5,
    });
  });

  it('manifest stats reports lines that are not JSON with their numbers and exits 2', async () => {
    const file = join(dir, 'broken.manifest');
    writeFileSync(file, '{"source-ref":"s3://b/1","x":1}\n{oops\n{"source-ref":"s3://b/2"}\n');
    const run = await mlw('manifest', 'stats', file, '--label-attribute', 'x', '--json');
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ total: 2, labeled: 1, unlabeled: 1 });
    expect(run.stderr).toMatch(/1 line\(s\) are not JSON objects and were not counted: line 2: /);
  });

  it('manifest stats streams s3:// sources (gzip too) through --endpoint-url', async () => {
    const s3 = localS3Client(services.s3.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'chain-manifests' }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'chain-manifests',
        Key: 'out/output.manifest.gz',
        Body: gzipSync(fixtureText('bounding-box.output.manifest')),
      }),
    );
    const run = await mlw(
      '--endpoint-url',
      services.s3.endpoint,
      'manifest',
      'stats',
      's3://chain-manifests/out/output.manifest.gz',
      '--label-attribute',
      'vehicles',
      '--json',
    );
    expect(run.stderr).not.toMatch(/^mlw:/m);
    expect(JSON.parse(run.stdout)).toMatchObject({ total: 5, labeled: 3, failed: 1, unlabeled: 1, needsLabeling: 2 });
  });

  it('manifest import-labels merges third-party labels so only the rest needs labeling', async () => {
    const output = join(dir, 'merged.manifest');
    const run = await mlw(
      'manifest',
      'import-labels',
      '--manifest',
      fixturePath('image-classification.output.manifest'),
      '--labels',
      fixturePath('third-party-labels.csv'),
      '--label-attribute',
      'animal',
      '--classes',
      'cat,dog,bird',
      '--job-name',
      'vendor-a',
      '--output',
      output,
    );
    expect(run.stderr).toBe(`imported 3 label(s) into 10 line(s) (7 unchanged) → ${output}\n`);
    expect(run.status).toBe(0);
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    expect(JSON.parse(lines.find((l) => l.includes('0008.jpg'))!)).toMatchObject({
      animal: 1,
      'animal-metadata': {
        'class-name': 'dog',
        'human-annotated': 'yes',
        'job-name': 'labeling-job/vendor-a',
        type: 'groundtruth/image-classification',
      },
    });
    const stats = await mlw('manifest', 'stats', output, '--label-attribute', 'animal', '--json');
    expect(JSON.parse(stats.stdout)).toMatchObject({ labeled: 8, needsLabeling: 2 });
  });

  it('manifest import-labels lists every problem together and writes nothing', async () => {
    const labels = join(dir, 'bad.csv');
    const output = join(dir, 'never.manifest');
    writeFileSync(labels, 's3://pets-data/images/0008.jpg,hamster\ns3://elsewhere/z.jpg,cat\n');
    const run = await mlw(
      'manifest',
      'import-labels',
      '--manifest',
      fixturePath('image-classification.output.manifest'),
      '--labels',
      labels,
      '--label-attribute',
      'animal',
      '--classes',
      'cat,dog,bird',
      '--output',
      output,
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'mlw: 2 problem(s), nothing written:\n  - labels line 1: unknown class "hamster" for s3://pets-data/images/0008.jpg (classes: cat, dog, bird)\n  - labels line 2: s3://elsewhere/z.jpg is not in the manifest\n',
    );
    expect(existsSync(output)).toBe(false);
  });

  describe('chain start', () => {
    const sfn = mockClient(SFNClient);
    const cfn = mockClient(CloudFormationClient);
    beforeEach(() => {
      sfn.reset();
      cfn.reset();
    });
    afterAll(() => {
      sfn.restore();
      cfn.restore();
    });

    it('starts an execution with the validated input, taking the ARN from the stack output', async () => {
      cfn.on(DescribeStacksCommand).resolves({
        Stacks: [
          {
            StackName: 'Mlw-LabelingChain',
            CreationTime: new Date(),
            StackStatus: 'CREATE_COMPLETE',
            Outputs: [
              { OutputKey: 'StateMachineArn', OutputValue: 'arn:aws:states:us-east-1:123456789012:stateMachine:chain' },
            ],
          },
        ],
      });
      sfn.on(StartExecutionCommand).resolves({
        executionArn: 'arn:aws:states:us-east-1:123456789012:execution:chain:x',
        startDate: new Date('2026-11-23T10:00:00Z'),
      });
      const out = await inProcess(
        'chain',
        'start',
        '--job',
        'pets-2026-11',
        '--no-auto-labeling',
        '--max-chain-length',
        '2',
        '--overrides',
        '{"workteamArn":"arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/pets"}',
      );
      expect(cfn).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: 'Mlw-LabelingChain' });
      const sent = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
      expect(sent.stateMachineArn).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:chain');
      expect(sent.name).toMatch(/^pets-2026-11-continue-\d{8}T\d{6}Z$/);
      expect(JSON.parse(sent.input!)).toEqual({
        jobName: 'pets-2026-11',
        mode: 'continue',
        maxChainLength: 2,
        autoLabeling: false,
        overrides: { workteamArn: 'arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/pets' },
      });
      expect(JSON.parse(out)).toMatchObject({
        executionArn: 'arn:aws:states:us-east-1:123456789012:execution:chain:x',
      });
    });

    it('validates before starting anything', async () => {
      await expect(
        inProcess(
          'chain',
          'start',
          '--job',
          'pets',
          '--mode',
          'relabel',
          '--state-machine-arn',
          'arn:aws:states:us-east-1:1:stateMachine:x',
        ),
      ).rejects.toThrow('Invalid chain request: mode "relabel" needs labelAttributeName');
      expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
    });
  });
});
