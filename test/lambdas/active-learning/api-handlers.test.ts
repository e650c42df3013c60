import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClassifyDocumentCommand, ComprehendClient } from '@aws-sdk/client-comprehend';
import { FirehoseClient, PutRecordCommand } from '@aws-sdk/client-firehose';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { ENDPOINT_PLACEHOLDER } from '../../../lambdas/active-learning/contract';
import { handler as classify, resetForTests } from '../../../lambdas/active-learning/classify';
import { handler as feedback } from '../../../lambdas/active-learning/feedback';

const comprehend = mockClient(ComprehendClient);
const firehose = mockClient(FirehoseClient);
const ssm = mockClient(SSMClient);
const s3 = mockClient(S3Client);
const ARN = 'arn:aws:comprehend:us-east-1:123456789012:document-classifier-endpoint/intents';

function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

function request(body: unknown, headers: Record<string, string> = {}): APIGatewayProxyEvent {
  return {
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1' },
  } as unknown as APIGatewayProxyEvent;
}

const json = (r: { body: string }) => JSON.parse(r.body) as Record<string, unknown>;

beforeAll(() => {
  Object.assign(process.env, {
    AL_ENDPOINT_MODE: 'ssm-parameter',
    AL_ENDPOINT_PARAMETER_PREFIX: '/Mlw-ActiveLearning/classifier-endpoints',
    AL_ENDPOINT_CACHE_SECONDS: '60',
    AL_THRESHOLD: '0.5',
    AL_DELIVERY_STREAM: 'feedback-stream',
    AL_ALLOWED_ORIGINS: 'https://app.example.com',
    AL_CATEGORIES: 'BILLING,TECHNICAL_ISSUE,OTHER',
    AL_DATA_BUCKET: 'data-bucket',
  });
});

beforeEach(() => {
  comprehend.reset();
  firehose.reset();
  ssm.reset();
  s3.reset();
  resetForTests();
  ssm
    .on(GetParameterCommand, { Name: '/Mlw-ActiveLearning/classifier-endpoints/intents' })
    .resolves({ Parameter: { Value: ARN } });
  ssm
    .on(GetParameterCommand, { Name: '/Mlw-ActiveLearning/classifier-endpoints/unknown' })
    .rejects(awsError('ParameterNotFound'));
  ssm
    .on(GetParameterCommand, { Name: '/Mlw-ActiveLearning/classifier-endpoints/new' })
    .resolves({ Parameter: { Value: ENDPOINT_PLACEHOLDER } });
  firehose.on(PutRecordCommand).resolves({ RecordId: 'rec-1' });
});

describe('POST /classify', () => {
  it('classifies with the endpoint from SSM and answers the top class, its score and all classes', async () => {
    comprehend.on(ClassifyDocumentCommand).resolves({
      Classes: [
        { Name: 'OTHER', Score: 0.1 },
        { Name: 'BILLING', Score: 0.85 },
        { Name: 'TECHNICAL_ISSUE', Score: 0.05 },
      ],
    });
    const response = await classify(
      request({ classifier: 'intents', sentence: 'My bill is wrong' }, { Origin: 'https://app.example.com' }),
    );
    expect(response.statusCode).toBe(200);
    expect(json(response)).toMatchObject({
      label: 'BILLING',
      score: 0.85,
      lowConfidence: false,
      multiLabel: false,
      classes: [{ name: 'BILLING' }, { name: 'OTHER' }, { name: 'TECHNICAL_ISSUE' }],
    });
    expect(response.headers).toMatchObject({ 'Access-Control-Allow-Origin': 'https://app.example.com' });
    expect(comprehend).toHaveReceivedCommandWith(ClassifyDocumentCommand, {
      EndpointArn: ARN,
      Text: 'My bill is wrong',
    });
    expect(firehose).not.toHaveReceivedCommand(PutRecordCommand);
    // The parameter is cached.
    await classify(request({ classifier: 'intents', sentence: 'again' }));
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
  });

  it('writes implicit feedback below the threshold (multi-label answer, any order)', async () => {
    comprehend.on(ClassifyDocumentCommand).resolves({
      Labels: [
        { Name: 'OTHER', Score: 0.2 },
        { Name: 'BILLING', Score: 0.45 },
      ],
    });
    const response = await classify(request({ classifier: 'intents', sentence: 'Hmm, "maybe"' }));
    expect(response.statusCode).toBe(200);
    expect(json(response)).toMatchObject({
      label: 'BILLING',
      lowConfidence: true,
      multiLabel: true,
      implicitFeedback: 'recorded',
    });
    const data = firehose.commandCalls(PutRecordCommand)[0]!.args[0].input;
    expect(data.DeliveryStreamName).toBe('feedback-stream');
    const line = Buffer.from(data.Record!.Data!).toString();
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toMatchObject({
      utterance: 'Hmm, "maybe"',
      prediction: 'BILLING',
      confidence: 0.45,
      classifier: 'intents',
      source: 'implicit',
      requestId: 'req-1',
    });
  });

  it('still answers the classification when implicit feedback cannot be written, and says so', async () => {
    comprehend.on(ClassifyDocumentCommand).resolves({ Classes: [{ Name: 'OTHER', Score: 0.3 }] });
    firehose.on(PutRecordCommand).rejects(awsError('ServiceUnavailableException'));
    const response = await classify(request({ classifier: 'intents', sentence: 'x' }));
    expect(response.statusCode).toBe(200);
    expect(json(response)).toMatchObject({ implicitFeedback: 'failed' });
    // The record is not lost: it is kept under the dead-letter prefix with the reason.
    const kept = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(kept.Bucket).toBe('data-bucket');
    expect(kept.Key).toMatch(/^dead-letter\/implicit-feedback\/\d{4}\/\d\d\/\d\d\/\d\d\/[0-9a-f]{32}\.jsonl$/);
    const letter = JSON.parse(kept.Body as string) as { reason: string; data: string; source: Record<string, unknown> };
    expect(letter.reason).toContain('ServiceUnavailableException');
    expect(JSON.parse(Buffer.from(letter.data, 'base64').toString('utf8'))).toMatchObject({
      utterance: 'x',
      prediction: 'OTHER',
      confidence: 0.3,
      source: 'implicit',
      requestId: 'req-1',
    });
    expect(letter.source).toEqual({ deliveryStream: 'feedback-stream', requestId: 'req-1' });
  });

  it.each([
    ['bad JSON', '{', 400, 'Request body is not valid JSON'],
    ['missing sentence', { classifier: 'intents' }, 400, 'Request body is invalid'],
    ['blank sentence', { classifier: 'intents', sentence: '  ' }, 400, 'Request body is invalid'],
    ['unknown classifier', { classifier: 'unknown', sentence: 'x' }, 404, 'Unknown classifier "unknown"'],
    ['endpoint not configured', { classifier: 'new', sentence: 'x' }, 503, 'not configured yet'],
  ])('answers %s with %s', async (_name, body, status, message) => {
    comprehend.on(ClassifyDocumentCommand).resolves({ Classes: [{ Name: 'A', Score: 1 }] });
    const response = await classify(request(body));
    expect(response.statusCode).toBe(status);
    expect(String(json(response).message)).toContain(message);
  });

  it.each([
    ['ThrottlingException', 429],
    ['TooManyRequestsException', 429],
    ['ResourceUnavailableException', 503],
    ['ResourceNotFoundException', 503],
    ['TextSizeLimitExceededException', 400],
    ['InternalServerException', 500],
  ])('maps Comprehend %s to %s, never 200', async (name, status) => {
    comprehend.on(ClassifyDocumentCommand).rejects(awsError(name));
    const response = await classify(request({ classifier: 'intents', sentence: 'x' }));
    expect(response.statusCode).toBe(status);
    expect(typeof json(response).message).toBe('string');
    expect(json(response).message === 'Internal error').toBe(status === 500);
  });

  it('property: no body makes the handler throw or answer 200 without a classification', async () => {
    comprehend.on(ClassifyDocumentCommand).resolves({ Classes: [{ Name: 'A', Score: 0.9 }] });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        async (body) => {
          const response = await classify(request(body));
          expect([200, 400, 404]).toContain(response.statusCode);
          expect(json(response).label).toBe(response.statusCode === 200 ? 'A' : undefined);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('every API: bodies that are not UTF-8 JSON', () => {
  const latin1 = readFileSync(join(__dirname, '../../fixtures/field-cases/feedback-body-latin1.bin'));
  const raw = (body: string, isBase64Encoded: boolean, headers: Record<string, string> = {}) =>
    ({ ...request(''), body, isBase64Encoded, headers }) as APIGatewayProxyEvent;

  it.each([
    ['POST /feedback', feedback],
    ['POST /classify', classify],
  ])(
    '%s: the field case (café in Latin-1) is refused with 400 naming the encoding; nothing is stored',
    async (_n, api) => {
      comprehend.on(ClassifyDocumentCommand).resolves({ Classes: [{ Name: 'OTHER', Score: 0.1 }] });
      for (const event of [raw(latin1.toString('base64'), true), raw(latin1.toString('utf8'), false)]) {
        const response = await api(event);
        expect(response.statusCode).toBe(400);
        expect(json(response).message).toBe('Request body is not valid UTF-8');
      }
      expect(firehose).not.toHaveReceivedCommand(PutRecordCommand);
      expect(comprehend).not.toHaveReceivedCommand(ClassifyDocumentCommand);
    },
  );

  it.each([
    ['POST /feedback', feedback],
    ['POST /classify', classify],
  ])('%s: Content-Type text/plain is refused with 415, with CORS headers', async (_n, api) => {
    for (const body of [
      latin1.toString('base64'),
      Buffer.from('{"classifier":"intents","sentence":"ok"}').toString('base64'),
    ]) {
      const response = await api(raw(body, true, { 'Content-Type': 'text/plain', Origin: 'https://app.example.com' }));
      expect(response.statusCode).toBe(415);
      expect(String(json(response).message)).toContain('text/plain');
      expect(response.headers).toMatchObject({ 'Access-Control-Allow-Origin': 'https://app.example.com' });
    }
    expect(firehose).not.toHaveReceivedCommand(PutRecordCommand);
  });

  it('accepts the same sentence sent as UTF-8 JSON', async () => {
    const body = Buffer.from('{"classifier":"intents","sentence":"café"}', 'utf8').toString('base64');
    const response = await feedback(raw(body, true, { 'content-type': 'application/json; charset=UTF-8' }));
    expect(response.statusCode).toBe(202);
    const line = Buffer.from(firehose.commandCalls(PutRecordCommand)[0]!.args[0].input.Record!.Data!).toString();
    expect(JSON.parse(line)).toMatchObject({ utterance: 'café' });
  });

  it('answers many problems with a small 400 (first problems and a count)', async () => {
    const body = JSON.stringify({
      classifier: 'intents',
      sentence: 'x',
      ...Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`unknown${i}`, i])),
    });
    const response = await feedback(request(body));
    expect(response.statusCode).toBe(400);
    expect(response.body.length).toBeLessThan(4000);
  });
});

describe('POST /feedback', () => {
  it('writes one standard record with source "api" and answers 202', async () => {
    const response = await feedback(
      request({ classifier: 'intents', sentence: 'Wrong, "very" wrong', expectedLabel: 'BILLING', requestId: 'r-9' }),
    );
    expect(response.statusCode).toBe(202);
    expect(json(response)).toMatchObject({ accepted: true, recordId: 'rec-1' });
    const line = Buffer.from(firehose.commandCalls(PutRecordCommand)[0]!.args[0].input.Record!.Data!).toString();
    expect(JSON.parse(line)).toMatchObject({
      utterance: 'Wrong, "very" wrong',
      prediction: 'CLASSIFY',
      confidence: 'NONE',
      classifier: 'intents',
      source: 'api',
      expectedLabel: 'BILLING',
      requestId: 'r-9',
    });
  });

  it('rejects an unknown expected label, throttling and failures with the right status', async () => {
    const bad = await feedback(request({ classifier: 'intents', sentence: 'x', expectedLabel: 'NOPE' }));
    expect(bad.statusCode).toBe(400);
    expect(json(bad).details).toEqual([expect.stringContaining('expectedLabel: unknown label "NOPE"')]);
    firehose.on(PutRecordCommand).rejects(awsError('ServiceUnavailableException'));
    expect((await feedback(request({ classifier: 'intents', sentence: 'x' }))).statusCode).toBe(429);
    firehose.on(PutRecordCommand).rejects(awsError('ResourceNotFoundException'));
    expect((await feedback(request({ classifier: 'intents', sentence: 'x' }))).statusCode).toBe(500);
  });
});
