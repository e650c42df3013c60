import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/labeling-chain/plan-next-job';
import { fixtureJson, fixtureText } from '../../helpers/labeling-chain-fixtures';

const s3 = mockClient(S3Client);
const SETTINGS = { maxChainLength: 3, region: 'us-east-1', partition: 'aws', builtInLambdaAccount: '432418664414' };
const event = (
  request: Record<string, unknown>,
  job: Record<string, unknown> = fixtureJson('describe-parent.json'),
) => ({
  request,
  settings: SETTINGS,
  chain: { created: 0, jobs: [] },
  job,
});
const body = (text: string) => ({ Body: Readable.from([Buffer.from(text)]) as never });
const named = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('plan-next-job handler (S3 mocked)', () => {
  beforeEach(() => s3.reset());

  it('streams the output manifest from S3 and answers the next request', async () => {
    s3.on(GetObjectCommand).resolves(body(fixtureText('image-classification.output.manifest')));
    const result = await handler(event({ jobName: 'pets-2026-11' }));
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: 'pets-labels',
      Key: 'output/pets-2026-11/manifests/output/output.manifest',
    });
    expect(result.decision).toBe('create');
    expect(result.chain.jobs[1]).toMatchObject({ sentToWorkers: 5, skipped: 5 });
  });

  it('falls back to the input manifest when the output manifest does not exist', async () => {
    s3.on(GetObjectCommand, { Key: 'output/pets-2026-11/manifests/output/output.manifest' }).rejects(
      named('NoSuchKey', 'missing'),
    );
    s3.on(GetObjectCommand, { Key: 'manifests/input.manifest' }).resolves(body('{"source-ref":"s3://b/1"}\n'));
    const failedEarly = {
      ...fixtureJson('describe-parent.json'),
      LabelingJobStatus: 'Failed',
      LabelCounters: { TotalLabeled: 0, FailedNonRetryableError: 0, Unlabeled: 1 },
    };
    const result = await handler(event({ jobName: 'pets-2026-11' }, failedEarly));
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 2);
    expect(result.chain.jobs[0]).toMatchObject({ outputManifestUri: 's3://pets-data/manifests/input.manifest' });
  });

  it('lets S3 errors other than a missing key propagate (the state machine reports them)', async () => {
    s3.on(GetObjectCommand).rejects(named('AccessDenied', 'Access Denied'));
    await expect(handler(event({ jobName: 'pets-2026-11' }))).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('throws ValidationError (caught by name in the state machine) for a request it cannot serve', async () => {
    await expect(handler(event({ jobName: 'pets-2026-11', mode: 'relabel' }))).rejects.toMatchObject({
      name: 'ValidationError',
    });
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 0);
  });

  it('rejects a malformed event', async () => {
    await expect(handler({ nope: true })).rejects.toThrow();
  });
});
