import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { z } from 'zod';
import {
  ConflictError,
  NotFoundError,
  ThrottledError,
  ValidationError,
  isThrottling,
} from '../../../lambdas/shared/errors';
import {
  apiHandler,
  capProblems,
  checkJsonContentType,
  clientError,
  errorResponse,
  jsonResponse,
  parseJsonBody,
} from '../../../lambdas/shared/http';
const FIELD_CASES = join(__dirname, '../../fixtures/field-cases');

describe('API helpers', () => {
  const schema = z.object({ sentence: z.string().min(1) });

  it('parses a valid body, plain or base64', () => {
    expect(parseJsonBody({ body: '{"sentence":"hi"}', isBase64Encoded: false }, schema)).toEqual({ sentence: 'hi' });
    const b64 = Buffer.from('{"sentence":"hé"}').toString('base64');
    expect(parseJsonBody({ body: b64, isBase64Encoded: true }, schema)).toEqual({ sentence: 'hé' });
  });

  it.each([
    [null, 'Request body is required'],
    ['{not json', 'Request body is not valid JSON'],
    ['{"sentence":""}', 'Request body is invalid'],
  ])('rejects %p with a 400 that says why', (body, message) => {
    let caught: unknown;
    try {
      parseJsonBody({ body, isBase64Encoded: false }, schema);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const response = errorResponse(caught);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ message });
  });

  it('names the invalid field', () => {
    const response = errorResponse(
      (() => {
        try {
          parseJsonBody({ body: '{"sentence": 3}', isBase64Encoded: false }, schema);
        } catch (error) {
          return error;
        }
      })(),
    );
    expect((JSON.parse(response.body) as { details: string[] }).details[0]).toMatch(/^sentence: /);
  });

  it('maps domain errors to their status and anything else to a generic 500', () => {
    expect(errorResponse(new NotFoundError('x')).statusCode).toBe(404);
    expect(errorResponse(new ConflictError('x')).statusCode).toBe(409);
    expect(errorResponse(new ThrottledError('slow')).statusCode).toBe(429);
    const internal = errorResponse(new Error('database password is hunter2'), 'req-1');
    expect(internal.statusCode).toBe(500);
    expect(internal.body).not.toContain('hunter2');
    expect(JSON.parse(internal.body)).toEqual({ message: 'Internal error', requestId: 'req-1' });
  });

  it('sets JSON headers', () => {
    expect(jsonResponse(201, { a: 1 }).headers).toMatchObject({ 'Content-Type': 'application/json; charset=utf-8' });
  });

  it('recognizes SDK throttling errors', () => {
    expect(isThrottling(Object.assign(new Error('x'), { name: 'ThrottlingException' }))).toBe(true);
    expect(isThrottling(Object.assign(new Error('x'), { name: 'Other', $retryable: { throttling: true } }))).toBe(true);
    expect(isThrottling(new Error('x'))).toBe(false);
  });
});

describe('request encoding and media type', () => {
  const schema = z.object({ classifier: z.string(), sentence: z.string() });
  const latin1 = readFileSync(join(FIELD_CASES, 'feedback-body-latin1.bin'));

  const refusal = (event: Parameters<typeof parseJsonBody>[0]) => {
    try {
      parseJsonBody(event, schema);
    } catch (error) {
      return errorResponse(error);
    }
    throw new Error('parsed');
  };

  it('refuses the field case (café in Latin-1) with a 400 naming the encoding, base64 or already replaced', () => {
    const base64 = refusal({ body: latin1.toString('base64'), isBase64Encoded: true });
    expect(base64.statusCode).toBe(400);
    expect(JSON.parse(base64.body)).toMatchObject({ message: 'Request body is not valid UTF-8' });
    // Without binary media types API Gateway hands the function text in which the bad bytes became U+FFFD.
    const replaced = refusal({ body: latin1.toString('utf8'), isBase64Encoded: false });
    expect(replaced.statusCode).toBe(400);
    expect(JSON.parse(replaced.body)).toMatchObject({ message: 'Request body is not valid UTF-8' });
    expect(String((JSON.parse(replaced.body) as { details: string[] }).details[0])).toContain('U+FFFD');
  });

  it('accepts the same text in UTF-8 (and U+FFFD written as a JSON escape)', () => {
    const utf8 = Buffer.from(latin1.toString('latin1'), 'utf8');
    expect(parseJsonBody({ body: utf8.toString('base64'), isBase64Encoded: true }, z.looseObject({}))).toMatchObject({
      classifier: 'intents',
      sentence: 'caféÿþ',
    });
    expect(
      parseJsonBody({ body: '{"classifier":"c","sentence":"\\ufffd"}', isBase64Encoded: false }, schema).sentence,
    ).toBe('\ufffd');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=iso-8859-1'])(
    'Content-Type %s is refused with 415 naming it',
    (contentType) => {
      const response = refusal({
        body: '{"classifier":"c","sentence":"s"}',
        isBase64Encoded: false,
        headers: { 'content-type': contentType },
      });
      expect(response.statusCode).toBe(415);
      expect((JSON.parse(response.body) as { message: string }).message).toContain(contentType);
    },
  );

  it.each([undefined, 'application/json', 'Application/JSON; charset=UTF-8', 'application/vnd.api+json'])(
    'Content-Type %s is read as JSON',
    (contentType) => {
      const headers = contentType === undefined ? {} : { 'Content-Type': contentType };
      expect(
        parseJsonBody({ body: '{"classifier":"c","sentence":"s"}', isBase64Encoded: false, headers }, schema),
      ).toEqual({
        classifier: 'c',
        sentence: 's',
      });
      expect(() => checkJsonContentType(contentType)).not.toThrow();
    },
  );
});

describe('capped problems', () => {
  it('lists the first 10 problems, each at most 300 characters, and counts the rest', () => {
    const details = Array.from(
      { length: 40_000 },
      (_, i) => `answers.field${i}: unknown field; expected ${'x'.repeat(1000)}`,
    );
    const response = clientError(400, 'Request body is invalid', details);
    const body = JSON.parse(response.body) as { details: string[]; moreDetails: number };
    expect(body.details).toHaveLength(10);
    expect(body.details.every((d) => d.length <= 300)).toBe(true);
    expect(body.moreDetails).toBe(39_990);
    expect(response.body.length).toBeLessThan(4000);
    expect(capProblems(['a', 'b'])).toEqual({ details: ['a', 'b'] });
  });
});

describe('apiHandler', () => {
  const logger = { info: jest.fn(), error: jest.fn() } as unknown as Logger;
  const schema = z.object({ n: z.number() });
  const event = (body: string | null, headers: Record<string, string> = {}) =>
    ({
      body,
      headers,
      isBase64Encoded: false,
      requestContext: { requestId: 'req-7' },
    }) as unknown as APIGatewayProxyEvent;
  const handler = apiHandler(
    {
      logger,
      body: schema,
      allowedOrigins: () => ['https://app.example.com'],
      mapError: (error) => (error instanceof RangeError ? jsonResponse(503, { message: 'later' }) : undefined),
    },
    async ({ body, requestId }) => {
      if (body.n < 0) throw new RangeError('negative');
      if (body.n === 0) throw new Error('secret internals');
      return jsonResponse(200, { double: body.n * 2, requestId });
    },
  );

  it('parses the body, runs the route and adds CORS for an allowed origin', async () => {
    const response = await handler(event('{"n":2}', { Origin: 'https://app.example.com' }));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ double: 4, requestId: 'req-7' });
    expect(response.headers).toMatchObject({
      'Access-Control-Allow-Origin': 'https://app.example.com',
      Vary: 'Origin',
    });
    expect((await handler(event('{"n":2}', { origin: 'https://evil.example' }))).headers).not.toHaveProperty(
      'Access-Control-Allow-Origin',
    );
  });

  it('maps every refusal and failure, with CORS headers on each', async () => {
    const cors = { Origin: 'https://app.example.com' };
    const answers = await Promise.all([
      handler(event('{"n":"x"}', cors)),
      handler(event('{"n":1}', { ...cors, 'Content-Type': 'text/plain' })),
      handler(event('{"n":-1}', cors)),
      handler(event('{"n":0}', cors)),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([400, 415, 503, 500]);
    expect(answers.every((a) => a.headers?.['Access-Control-Allow-Origin'] === 'https://app.example.com')).toBe(true);
    expect(JSON.parse(answers[3].body)).toEqual({ message: 'Internal error', requestId: 'req-7' });
    expect(logger.error).toHaveBeenCalledWith('Request failed', expect.objectContaining({ requestId: 'req-7' }));
  });
});
