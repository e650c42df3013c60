import { z } from 'zod';
import {
  ConflictError,
  NotFoundError,
  ThrottledError,
  ValidationError,
  isThrottling,
} from '../../../lambdas/shared/errors';
import { errorResponse, jsonResponse, parseJsonBody } from '../../../lambdas/shared/http';

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
