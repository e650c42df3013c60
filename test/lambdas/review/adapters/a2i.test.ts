import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { createReviewBackend } from '../../../../lambdas/review/adapters';
import { A2iReviewBackend } from '../../../../lambdas/review/adapters/a2i';
import { a2iRuntime } from '../../../../lambdas/review/adapters/a2i-runtime';
import { ConfigurationError } from '../../../../lambdas/shared/errors';
import { FakeA2iRuntime } from '../../../helpers/fake-a2i';

const a2i = new FakeA2iRuntime();
const FLOW = 'arn:aws:sagemaker:us-east-1:123456789012:flow-definition/x-abc';
const batch = {
  id: 'al-abc-0',
  input: { categories: ['A', 'B'], items: [{ index: 0, utterance: 'u', classifier: 'c' }] },
};

describe('A2I review back end (against a local A2I runtime)', () => {
  beforeAll(() => a2i.start());
  afterAll(() => a2i.stop());
  beforeEach(() => a2i.reset());
  const backend = (classifiers: ConstructorParameters<typeof A2iReviewBackend>[2] = []) =>
    new A2iReviewBackend(a2iRuntime({ endpoint: a2i.endpoint, region: 'us-east-1' }), FLOW, classifiers);

  it('starts a human loop named by the batch id (SigV4-signed POST /human-loops), with the input and the content classifiers', async () => {
    await expect(backend(['FreeOfPersonallyIdentifiableInformation']).start(batch)).resolves.toBe('started');
    expect(a2i.requests).toHaveLength(1);
    const [request] = a2i.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/human-loops' });
    expect(request!.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=S3RVER\/\d{8}\/us-east-1\/sagemaker\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    // The signature verifies: re-sign what the server received with the same key and date.
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(request!.authorization!)![1]!.split(';');
    const amzDate = request!.headers['x-amz-date']!;
    const verifier = new SignatureV4({
      service: 'sagemaker',
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      sha256: Hash.bind(null, 'sha256'),
    });
    const url = new URL(a2i.endpoint);
    const resigned = await verifier.sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: request!.path,
        body: request!.body,
        headers: Object.fromEntries(
          signedHeaders.filter((h) => h !== 'authorization').map((h) => [h, request!.headers[h]!]),
        ),
      }),
      {
        signingDate: new Date(
          `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
        ),
      },
    );
    expect(resigned.headers.authorization).toBe(request!.authorization);
    expect(request!.input).toEqual({
      HumanLoopName: 'al-abc-0',
      FlowDefinitionArn: FLOW,
      HumanLoopInput: { InputContent: JSON.stringify(batch.input) },
      DataAttributes: { ContentClassifiers: ['FreeOfPersonallyIdentifiableInformation'] },
    });
  });

  it('treats ConflictException ("already exists") as already started, throttling as ThrottledError, other errors as errors', async () => {
    await backend().start(batch);
    await expect(backend().start(batch)).resolves.toBe('already-exists');
    a2i.failWith = { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' };
    await expect(backend().start(batch)).rejects.toThrow('A2I throttled StartHumanLoop for al-abc-0');
    a2i.failWith = { status: 400, type: 'ValidationException', message: 'flow definition is not active' };
    await expect(backend().start(batch)).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'flow definition is not active',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses invalid names and inputs over the InputContent limit before calling A2I', async () => {
    await expect(backend().start({ ...batch, id: 'Bad_Name' })).rejects.toThrow('Invalid human loop name');
    const huge = {
      ...batch,
      input: { ...batch.input, items: [{ index: 0, utterance: 'x'.repeat(3_145_728), classifier: 'c' }] },
    };
    await expect(backend().start(huge)).rejects.toThrow('over the A2I limit of 3145728');
    expect(a2i.requests).toHaveLength(0);
  });

  it('is chosen by REVIEW_BACKEND, with configuration errors that name the variable and the value', () => {
    expect(createReviewBackend({ REVIEW_BACKEND: 'a2i', REVIEW_FLOW_DEFINITION_ARN: FLOW })).toBeInstanceOf(
      A2iReviewBackend,
    );
    expect(() => createReviewBackend({})).toThrow('REVIEW_BACKEND is missing');
    expect(() => createReviewBackend({ REVIEW_BACKEND: 'portal' })).toThrow(ConfigurationError);
    expect(() => createReviewBackend({ REVIEW_BACKEND: 'sqs' })).toThrow(
      'REVIEW_BACKEND is "sqs"; supported review back ends: portal, a2i',
    );
    expect(() => createReviewBackend({ REVIEW_BACKEND: 'a2i' })).toThrow('REVIEW_FLOW_DEFINITION_ARN is missing');
    expect(() =>
      createReviewBackend({
        REVIEW_BACKEND: 'a2i',
        REVIEW_FLOW_DEFINITION_ARN: FLOW,
        REVIEW_A2I_CONTENT_CLASSIFIERS: 'FreeOfAdultContent,Nope',
      }),
    ).toThrow('unknown values Nope');
  });
});
