import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DescribeProjectsCommand,
  DescribeProjectVersionsCommand,
  ListDatasetLabelsCommand,
  RekognitionClient,
  StartProjectVersionCommand,
} from '@aws-sdk/client-rekognition';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { REPO_ROOT } from '../../../lib/shared/paths';
import { runMlw, runMlwInProcess } from '../../helpers/cli';
import { fixturePath } from '../../helpers/custom-labels-assist-fixtures';

const PROJECT = 'arn:aws:rekognition:us-east-1:123456789012:project/rooftops/1700000000000';
const VERSION = (name: string, ts: number) =>
  `arn:aws:rekognition:us-east-1:123456789012:project/rooftops/version/${name}/${ts}`;

describe('mlw labels manifest validate|stats (the built CLI, local files)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlw-labels-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 for a valid manifest and says so', async () => {
    const run = await runMlw(['labels', 'manifest', 'validate', fixturePath('valid.manifest')]);
    expect(run).toMatchObject({ status: 0, stdout: '' });
    expect(run.stderr).toContain('4 line(s), valid');
  });

  it('exits 3 for an invalid one, one problem per line with its line number and error code', async () => {
    const file = fixturePath('invalid.manifest');
    const run = await runMlw(['labels', 'manifest', 'validate', file]);
    expect(run.status).toBe(3);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toContain(
      `${file}:4: ERROR_INVALID_BOUNDING_BOX bounding-box.annotations[0]: (left 600, top 400, width 100, height 100) is not inside the 640 × 480 image`,
    );
    expect(lines).toContain(
      `${file}:10: ERROR_INVALID_JSON_LINE not JSON: Unexpected token 'o', "not json at all" is not valid JSON`,
    );
    expect(lines.every((l) => l.startsWith(`${file}:`))).toBe(true);
    expect(run.stderr).toContain('problem(s) on 13 of 14 line(s)');
    const json = await runMlw(['labels', 'manifest', 'validate', file, '--json']);
    expect(json.status).toBe(3);
    const report = JSON.parse(json.stdout) as {
      valid: boolean;
      lines: number;
      invalidLines: number;
      problems: unknown[];
    };
    expect(report).toMatchObject({ valid: false, lines: 14, invalidLines: 13 });
  });

  it('exits 2 for a file it cannot read: missing, or UTF-16', async () => {
    const missing = await runMlw(['labels', 'manifest', 'validate', join(dir, 'nope.manifest')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.manifest/);
    const utf16 = join(dir, 'utf16.manifest');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":1}\n', 'utf16le')]));
    const run = await runMlw(['labels', 'manifest', 'validate', utf16]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/UTF-16/);
  });

  it('skips a UTF-8 byte-order mark', async () => {
    const bom = join(dir, 'bom.manifest');
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(fixturePath('valid.manifest'))]));
    expect((await runMlw(['labels', 'manifest', 'validate', bom])).status).toBe(0);
  });

  it('stats counts images, boxes and labels', async () => {
    const run = await runMlw(['labels', 'manifest', 'stats', fixturePath('valid.manifest'), '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      lines: 4,
      images: 4,
      boxes: 3,
      labels: { Echo: { images: 2, boxes: 2 }, 'Echo Dot': { images: 1, boxes: 1 }, Kitchen: { images: 1, boxes: 0 } },
      invalidLines: 0,
    });
    const text = await runMlw(['labels', 'manifest', 'stats', fixturePath('invalid.manifest')]);
    expect(text.status).toBe(3);
    expect(text.stdout).toMatch(/invalid lines\s+13/);
  });

  it('loads no AWS SDK client for a local file', async () => {
    const log = join(dir, 'loads.txt');
    const run = await runMlw(['labels', 'manifest', 'validate', fixturePath('valid.manifest')], { MLW_LOAD_LOG: log }, [
      '--import',
      join(__dirname, '../../helpers/load-log/register.mjs'),
    ]);
    expect(run.status).toBe(0);
    const meta = JSON.parse(readFileSync(join(REPO_ROOT, 'dist/cli/meta.json'), 'utf8')) as {
      outputs: Record<string, { inputs: Record<string, unknown> }>;
    };
    const loaded = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter((u) => u.startsWith('file:'))
      .map((u) => relative(REPO_ROOT, fileURLToPath(u)));
    const sources = loaded.flatMap((output) => Object.keys(meta.outputs[output]?.inputs ?? {}));
    expect(sources.some((s) => s.startsWith('cli/commands/labels'))).toBe(true);
    expect(sources.filter((s) => /node_modules\/@aws-sdk\/client-/.test(s))).toEqual([]);
  });
});

describe('mlw labels assist start and model start (SDK mocked, in process)', () => {
  const rekognition = mockClient(RekognitionClient);
  const sfn = mockClient(SFNClient);
  afterEach(() => {
    rekognition.reset();
    sfn.reset();
  });
  afterAll(() => {
    rekognition.restore();
    sfn.restore();
  });

  it('defaults the model to the newest trained version and the labels to the training dataset labels', async () => {
    rekognition.on(DescribeProjectVersionsCommand).resolves({
      ProjectVersionDescriptions: [
        { ProjectVersionArn: VERSION('v3', 3), Status: 'TRAINING_FAILED', CreationTimestamp: new Date('2026-11-03') },
        { ProjectVersionArn: VERSION('v2', 2), Status: 'STOPPED', CreationTimestamp: new Date('2026-11-02') },
        { ProjectVersionArn: VERSION('v1', 1), Status: 'RUNNING', CreationTimestamp: new Date('2026-11-01') },
      ],
    });
    rekognition.on(DescribeProjectsCommand).resolves({
      ProjectDescriptions: [
        { ProjectArn: PROJECT, Datasets: [{ DatasetType: 'TRAIN', DatasetArn: `${PROJECT}/dataset/train/1` }] },
      ],
    });
    rekognition.on(ListDatasetLabelsCommand).resolves({
      DatasetLabelDescriptions: [{ LabelName: 'Chimney' }, { LabelName: 'Skylight' }],
    });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:x:y' });
    const { stdout } = await runMlwInProcess(
      'labels',
      'assist',
      'start',
      '--images',
      's3://imgs/batch-7/',
      '--project-arn',
      PROJECT,
      '--state-machine-arn',
      'arn:aws:states:us-east-1:123456789012:stateMachine:x',
      '--train',
    );
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!) as unknown;
    expect(input).toEqual({
      images: 's3://imgs/batch-7/',
      modelVersionArn: VERSION('v2', 2),
      labels: ['Chimney', 'Skylight'],
      train: true,
    });
    expect(stdout).toContain('arn:aws:states:us-east-1:123456789012:execution:x:y');
  });

  it('refuses a folder that is not s3://bucket/prefix/ and a confidence outside 0-100, before any call', async () => {
    await expect(runMlwInProcess('labels', 'assist', 'start', '--images', 's3://imgs/a.jpg')).rejects.toThrow(
      /--images must be an S3 folder/,
    );
    await expect(
      runMlwInProcess('labels', 'assist', 'start', '--images', 's3://imgs/', '--min-confidence', '140'),
    ).rejects.toThrow(/--min-confidence/);
    expect(rekognition.calls()).toHaveLength(0);
  });

  it('model start passes the inference units', async () => {
    rekognition.on(StartProjectVersionCommand).resolves({ Status: 'STARTING' });
    const { stdout } = await runMlwInProcess(
      'labels',
      'model',
      'start',
      '--model-version',
      VERSION('v2', 2),
      '--min-inference-units',
      '2',
    );
    expect(rekognition.commandCalls(StartProjectVersionCommand)[0]!.args[0].input).toEqual({
      ProjectVersionArn: VERSION('v2', 2),
      MinInferenceUnits: 2,
    });
    expect(stdout).toBe(`STARTING ${VERSION('v2', 2)}\n`);
  });
});
