import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PlanReport, PLAN_EXIT } from '../../../cli/commands/chain';
import { runMlwInProcess } from '../../helpers/cli';
import { fixturePath } from '../../helpers/labeling-chain-fixtures';

const FIELD_CASES = join(__dirname, '../../fixtures/field-cases');

/** Run `mlw chain plan … --json` in this process: the report and the exit code. */
async function plan(...args: string[]): Promise<{ report: PlanReport; exitCode: number; stderr: string }> {
  try {
    const { stdout, stderr } = await runMlwInProcess('chain', 'plan', ...args, '--json');
    return { report: JSON.parse(stdout) as PlanReport, exitCode: Number(process.exitCode ?? 0), stderr };
  } finally {
    process.exitCode = undefined;
  }
}

describe('mlw chain plan (the planner offline)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlw-chain-plan-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('plans a child job for the video field case: its -ref attribute, the failed and the unlabeled object', async () => {
    const { report, exitCode } = await plan(
      '--job',
      fixturePath('describe-video-object-detection.json'),
      '--manifest',
      join(FIELD_CASES, 'gt-video-object-detection-ref.output.manifest'),
    );
    expect(exitCode).toBe(PLAN_EXIT.PLAN);
    expect(report).toMatchObject({
      decision: 'create',
      autoLabeling: false,
      request: {
        LabelAttributeName: 'CarObjectDetection-ref',
        HumanTaskConfig: {
          PreHumanTaskLambdaArn: 'arn:aws:lambda:us-east-1:432418664414:function:PRE-VideoObjectDetection',
        },
      },
    });
    if (report.decision !== 'create') throw new Error('expected a plan');
    expect(report.chain.jobs[1]).toMatchObject({ sentToWorkers: 2, skipped: 1 });
  });

  it('stops (exit 0) when everything is labeled, and shows the reason', async () => {
    const manifest = join(dir, 'done.manifest');
    writeFileSync(manifest, '{"source-ref":"s3://b/1","animal":0}\n');
    const job = join(dir, 'done.json');
    const parent = JSON.parse(
      (await import('node:fs')).readFileSync(fixturePath('describe-parent.json'), 'utf8'),
    ) as Record<string, unknown>;
    writeFileSync(job, JSON.stringify({ ...parent, LabelCounters: { TotalLabeled: 1, Unlabeled: 0 } }));
    const { report, exitCode } = await plan('--job', job, '--manifest', manifest);
    expect(exitCode).toBe(PLAN_EXIT.PLAN);
    expect(report).toMatchObject({ decision: 'stop', summary: { outcome: 'nothing-to-label' } });
  });

  it('refuses (exit 3) the empty output manifest of a job that counts objects, naming both counts', async () => {
    const { report, exitCode } = await plan(
      '--job',
      fixturePath('describe-parent.json'),
      '--manifest',
      join(FIELD_CASES, 'labeling-chain-empty-output.manifest'),
    );
    expect(exitCode).toBe(PLAN_EXIT.REFUSED);
    expect(report).toMatchObject({ decision: 'refused', error: { name: 'ManifestMismatchError' } });
    if (report.decision !== 'refused') throw new Error('expected a refusal');
    expect(report.error.message).toMatch(/holds no objects while DescribeLabelingJob counts 10 object\(s\)/);
  });

  it('refuses (exit 3) a rule the request breaks, with every detail', async () => {
    const { report, exitCode } = await plan(
      '--job',
      fixturePath('describe-video-object-detection.json'),
      '--manifest',
      join(FIELD_CASES, 'gt-video-object-detection-ref.output.manifest'),
      '--mode',
      'relabel',
      '--label-attribute',
      'cars-v2',
    );
    expect(exitCode).toBe(PLAN_EXIT.REFUSED);
    expect(report).toMatchObject({
      decision: 'refused',
      error: { details: [expect.stringMatching(/"cars-v2" must end with "-ref"/)] },
    });
  });

  it('answers exit 2 for unreadable input: a job file that is not JSON or not a job, broken manifest lines, a missing file', async () => {
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{"LabelingJobName":');
    const notJob = join(dir, 'not-job.json');
    writeFileSync(notJob, '{"hello":"world"}');
    const broken = join(dir, 'broken.manifest');
    writeFileSync(broken, '{"source-ref":"s3://b/1"}\n{oops\n');
    const manifest = join(FIELD_CASES, 'gt-video-object-detection-ref.output.manifest');
    const video = fixturePath('describe-video-object-detection.json');
    for (const [job, file, pattern] of [
      [notJson, manifest, /^.*not\.json: /],
      [notJob, manifest, /is not a DescribeLabelingJob answer: LabelingJobName: received \(missing\)/],
      [video, broken, /has 1 line\(s\) that are not JSON objects \(line 2: /],
      [video, join(dir, 'missing.manifest'), /ENOENT/],
    ] as const) {
      const { report, exitCode } = await plan('--job', job, '--manifest', file);
      expect(exitCode).toBe(PLAN_EXIT.UNREADABLE);
      expect(report.decision).toBe('unreadable');
      if (report.decision !== 'unreadable') throw new Error('expected unreadable');
      expect(report.error.message).toMatch(pattern);
    }
  });

  it('plans the BOM field case like the same manifest without its BOM', async () => {
    const bom = join(FIELD_CASES, 'labeling-chain-bom-output.manifest');
    const plain = join(dir, 'no-bom.manifest');
    writeFileSync(plain, (await import('node:fs')).readFileSync(bom).subarray(3));
    const job = join(dir, 'parent-no-counters.json');
    const parent = JSON.parse(
      (await import('node:fs')).readFileSync(fixturePath('describe-parent.json'), 'utf8'),
    ) as Record<string, unknown>;
    writeFileSync(job, JSON.stringify({ ...parent, LabelCounters: undefined }));
    const a = await plan('--job', job, '--manifest', bom);
    const b = await plan('--job', job, '--manifest', plain);
    expect(a.exitCode).toBe(PLAN_EXIT.PLAN);
    const strip = (r: PlanReport) => ({ ...r, manifest: undefined });
    expect(strip(a.report)).toEqual(strip(b.report));
  });
});
