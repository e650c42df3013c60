import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FirehoseClient, PutRecordBatchCommand, type PutRecordBatchCommandInput } from '@aws-sdk/client-firehose';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { s3ObjectCreatedEvent } from '../../helpers/events';
import { localS3Client, useLocalServices } from '../../helpers/local-services';

const services = useLocalServices('s3');
const firehose = mockClient(FirehoseClient);
const BUCKET = 'upload-bucket';
const fixtures = join(__dirname, '../../fixtures/active-learning');

type Handler = (event: unknown) => Promise<{ outcomes: Record<string, string> }>;

const objectCreated = (key: string, etag?: string) => s3ObjectCreatedEvent(BUCKET, key, etag);

/** Every record sent to Firehose, decoded. */
function sentRecords(): Record<string, unknown>[] {
  return firehose
    .commandCalls(PutRecordBatchCommand)
    .flatMap((c) => c.args[0].input.Records!.map((r) => Buffer.from(r.Data!).toString()))
    .map((line) => {
      expect(line.endsWith('\n')).toBe(true);
      return JSON.parse(line) as Record<string, unknown>;
    });
}

describe('batch-feedback handler (s3rver + Firehose mock)', () => {
  let s3: S3Client;
  let handler: Handler;

  beforeAll(async () => {
    process.env.AWS_ENDPOINT_URL_S3 = services.s3.endpoint;
    process.env.AWS_S3_FORCE_PATH_STYLE = 'true';
    process.env.AWS_REQUEST_CHECKSUM_CALCULATION = 'WHEN_REQUIRED';
    process.env.AL_DELIVERY_STREAM = 'feedback-stream';
    s3 = localS3Client(services.s3.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    ({ handler } = (await import('../../../lambdas/active-learning/batch-feedback')) as { handler: Handler });
  });

  afterAll(() => {
    delete process.env.AWS_ENDPOINT_URL_S3;
  });

  beforeEach(() => {
    firehose.reset();
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => ({
      FailedPutCount: 0,
      RequestResponses: input.Records!.map((_, i) => ({ RecordId: `r${i}` })),
    }));
  });

  const upload = async (key: string, body: string | Buffer) => {
    const answer = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    return answer.ETag;
  };
  const read = async (key: string) =>
    (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString('utf8');

  it('sends every sentence (quotes, commas, newlines, non-ASCII) as an explicit-feedback record; a re-delivered event sends nothing twice', async () => {
    const etag = await upload('uploads/tricky.json', readFileSync(join(fixtures, 'batch-tricky.json')));
    expect(await handler(objectCreated('uploads/tricky.json', etag))).toEqual({
      outcomes: { 'uploads/tricky.json': 'sent' },
    });
    const records = sentRecords();
    expect(records.map((r) => r.utterance)).toEqual([
      'Plain sentence',
      'Has, commas, inside',
      'Has "quotes" inside',
      'Has a\nnewline',
      'Ünïcödé — 日本語 🚀',
      'Tab\there',
    ]);
    expect(
      records.every((r) => r.source === 'batch' && r.classifier === 'intents' && r.prediction === 'CLASSIFY'),
    ).toBe(true);
    expect(new Set(records.map((r) => r.recordId)).size).toBe(6);
    firehose.resetHistory();
    expect(await handler(objectCreated('uploads/tricky.json', etag))).toEqual({
      outcomes: { 'uploads/tricky.json': 'already-processed' },
    });
    expect(firehose).not.toHaveReceivedCommand(PutRecordBatchCommand);
  });

  it('retries only the entries Firehose rejected (FailedPutCount)', async () => {
    let call = 0;
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => {
      call += 1;
      const failing = call === 1 ? new Set([0, 2]) : new Set<number>();
      return {
        FailedPutCount: failing.size,
        RequestResponses: input.Records!.map((_, i) =>
          failing.has(i)
            ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'slow down' }
            : { RecordId: `r${i}` },
        ),
      };
    });
    await upload('uploads/retry.json', JSON.stringify({ classifier: 'c', sentences: ['a', 'b', 'c', 'd'] }));
    await handler(objectCreated('uploads/retry.json'));
    const calls = firehose
      .commandCalls(PutRecordBatchCommand)
      .map((c) =>
        c.args[0].input.Records!.map(
          (r) => (JSON.parse(Buffer.from(r.Data!).toString()) as { utterance: string }).utterance,
        ),
      );
    expect(calls).toEqual([
      ['a', 'b', 'c', 'd'],
      ['a', 'c'],
    ]);
  });

  describe('field case: 1,200 sentences, Firehose accepts one call and fails the next', () => {
    const file = readFileSync(join(__dirname, '../../fixtures/field-cases/batch-feedback-1200-sentences.json'));
    const utterances = (JSON.parse(file.toString('utf8')) as { sentences: string[] }).sentences;

    /** Firehose that accepts what it accepts and remembers it (what really arrived, across invocations). */
    function fakeFirehose(fail: (call: number) => 'throw' | 'reject-all' | 'ok') {
      const arrived: string[] = [];
      let call = 0;
      firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => {
        call += 1;
        const mode = fail(call);
        if (mode === 'throw')
          throw Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailableException', $metadata: {} });
        if (mode === 'reject-all')
          return {
            FailedPutCount: input.Records!.length,
            RequestResponses: input.Records!.map(() => ({ ErrorCode: 'ServiceUnavailableException' })),
          };
        for (const r of input.Records!)
          arrived.push((JSON.parse(Buffer.from(r.Data!).toString()) as { utterance: string }).utterance);
        return { FailedPutCount: 0, RequestResponses: input.Records!.map((_, i) => ({ RecordId: `r${call}-${i}` })) };
      });
      return arrived;
    }

    it.each([
      ['the second call throws', 'throw' as const],
      ['the second call rejects every record (FailedPutCount = 500, every attempt)', 'reject-all' as const],
    ])('%s: the Lambda retry sends only the rest; each sentence arrives exactly once', async (_name, mode) => {
      const key = `uploads/field-1200-${mode}.json`;
      const etag = await upload(key, file);
      let failing = true;
      const arrived = fakeFirehose((call) => (call >= 2 && failing ? mode : 'ok'));
      await expect(handler(objectCreated(key, etag))).rejects.toThrow('1 of 1 uploads failed');
      expect(arrived).toHaveLength(500);
      const progress = JSON.parse(await read(`processed/${key}/${etag!.replace(/"/g, '')}.progress.json`)) as {
        accepted: string;
        count: number;
      };
      expect(progress).toMatchObject({ accepted: '0-499', count: 500 });

      failing = false;
      firehose.resetHistory();
      expect(await handler(objectCreated(key, etag))).toEqual({ outcomes: { [key]: 'sent' } });
      expect(firehose.commandCalls(PutRecordBatchCommand).map((c) => c.args[0].input.Records!.length)).toEqual([
        500, 200,
      ]);
      expect(arrived).toHaveLength(1200);
      expect([...arrived].sort()).toEqual([...utterances].sort());
      // A re-delivered event after success sends nothing.
      firehose.resetHistory();
      expect(await handler(objectCreated(key, etag))).toEqual({ outcomes: { [key]: 'already-processed' } });
      expect(firehose).not.toHaveReceivedCommand(PutRecordBatchCommand);
    });

    it('a partial failure inside a call: only the rejected entries are re-sent, and a retry after a crash resends none of the accepted ones', async () => {
      const key = 'uploads/field-1200-partial.json';
      const etag = await upload(key, file);
      const arrived: string[] = [];
      let call = 0;
      firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => {
        call += 1;
        if (call === 3) throw Object.assign(new Error('crash'), { name: 'InternalFailure', $metadata: {} });
        const responses = input.Records!.map((r, i) => {
          if (call === 1 && i % 2 === 1) return { ErrorCode: 'ServiceUnavailableException' };
          arrived.push((JSON.parse(Buffer.from(r.Data!).toString()) as { utterance: string }).utterance);
          return { RecordId: `r${i}` };
        });
        return { FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length, RequestResponses: responses };
      });
      await expect(handler(objectCreated(key, etag))).rejects.toThrow('1 of 1 uploads failed');
      expect(arrived).toHaveLength(500);
      await handler(objectCreated(key, etag));
      expect(arrived).toHaveLength(1200);
      expect(new Set(arrived).size).toBe(1200);
    });
  });

  it('fails the event (so EventBridge retries) when entries keep failing, and writes no marker', async () => {
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => ({
      FailedPutCount: input.Records!.length,
      RequestResponses: input.Records!.map(() => ({ ErrorCode: 'InternalFailure' })),
    }));
    await upload('uploads/stuck.json', JSON.stringify({ classifier: 'c', sentences: ['a'] }));
    await expect(handler(objectCreated('uploads/stuck.json'))).rejects.toThrow(
      'still rejected by Firehose after 4 attempts (InternalFailure)',
    );
    const keys =
      (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'processed/uploads/stuck.json' }))).Contents ??
      [];
    expect(keys.filter((k) => k.Key!.endsWith('.done'))).toEqual([]);
  });

  it.each(['malformed-not-json.json', 'malformed-no-classifier.json', 'malformed-array.json', 'malformed-empty.json'])(
    'does not lose malformed file %s: nothing sent, an error report saying why under errors/',
    async (name) => {
      await upload(`uploads/${name}`, readFileSync(join(fixtures, name)));
      expect(await handler(objectCreated(`uploads/${name}`))).toEqual({
        outcomes: { [`uploads/${name}`]: 'rejected' },
      });
      expect(firehose).not.toHaveReceivedCommand(PutRecordBatchCommand);
      const [summary] = (await read(`errors/uploads/${name}.errors.jsonl`))
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(summary).toMatchObject({ upload: `s3://${BUCKET}/uploads/${name}`, status: 'rejected', sent: 0 });
      expect(String(summary!.message)).toMatch(/^The file was not processed: /);
      expect(await read(`uploads/${name}`)).toBe(readFileSync(join(fixtures, name), 'utf8'));
    },
  );

  it('sends the good sentences of a partly bad file and lists the bad ones', async () => {
    await upload('uploads/partial.json', readFileSync(join(fixtures, 'batch-partial.json')));
    expect(await handler(objectCreated('uploads/partial.json'))).toEqual({
      outcomes: { 'uploads/partial.json': 'partial' },
    });
    expect(sentRecords().map((r) => r.utterance)).toEqual(['good one', 'another good one']);
    const lines = (await read('errors/uploads/partial.json.errors.jsonl')).trimEnd().split('\n');
    expect(lines).toHaveLength(6);
  });

  it('processes every record of an S3 notification event, and ignores its own reports', async () => {
    await upload('uploads/a b.json', JSON.stringify({ classifier: 'c', sentences: ['from a'] }));
    await upload('uploads/c.json', JSON.stringify({ classifier: 'c', sentences: ['from c'] }));
    // An S3 event notification as Lambda receives it (keys URL-encoded, `+` for a space).
    const record = (key: string) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2026-11-23T10:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
      requestParameters: { sourceIPAddress: '203.0.113.10' },
      responseElements: { 'x-amz-request-id': 'R', 'x-amz-id-2': 'I' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'uploads',
        bucket: { name: BUCKET, ownerIdentity: { principalId: 'A' }, arn: `arn:aws:s3:::${BUCKET}` },
        object: { key, size: 10, eTag: 'e', sequencer: '00' },
      },
    });
    const event = { Records: ['uploads/a+b.json', 'uploads/c.json', 'errors/uploads/x.json'].map(record) };
    expect(await handler(event)).toEqual({
      outcomes: { 'uploads/a b.json': 'sent', 'uploads/c.json': 'sent', 'errors/uploads/x.json': 'ignored' },
    });
    expect(
      sentRecords()
        .map((r) => r.utterance)
        .sort(),
    ).toEqual(['from a', 'from c']);
  });

  it('rejects events that are not S3 object-created events, and fails when the upload is missing', async () => {
    await expect(handler({ detail: {} })).rejects.toThrow('Not an S3 "Object Created" event');
    await expect(handler(objectCreated('uploads/missing.json'))).rejects.toThrow('1 of 1 uploads failed');
  });

  it('streams a file of 100,000 sentences in 200 PutRecordBatch calls', async () => {
    const sentences = Array.from({ length: 100_000 }, (_, i) => `Sentence number ${i}, with "quotes" and ünïcödé`);
    await upload('uploads/big.json', JSON.stringify({ classifier: 'c', sentences }));
    await handler(objectCreated('uploads/big.json'));
    const calls = firehose.commandCalls(PutRecordBatchCommand);
    expect(calls).toHaveLength(200);
    expect(calls.reduce((n, c) => n + c.args[0].input.Records!.length, 0)).toBe(100_000);
    expect(JSON.parse(await read('processed/uploads/big.json/unversioned.done'))).toEqual({
      outcome: 'sent',
      sent: 100_000,
      rejected: 0,
      calls: 200,
    });
  });
});
