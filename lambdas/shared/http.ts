import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { type z } from 'zod';
import { ConflictError, NotFoundError, ThrottledError, ValidationError } from './errors';

/** Headers on every API answer. */
const BASE_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
} as const;

/** A JSON answer with the given status code. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return { statusCode, headers: { ...BASE_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** 200 with a JSON body. */
export const ok = (body: unknown): APIGatewayProxyResult => jsonResponse(200, body);

/** A 4xx answer that says what is wrong: `{"message": reason, "details": [...]}`. */
export function clientError(
  statusCode: number,
  reason: string,
  details: readonly string[] = [],
): APIGatewayProxyResult {
  return jsonResponse(statusCode, details.length > 0 ? { message: reason, details } : { message: reason });
}

/** A generic 5xx: never leaks internals; the request id lets operators find the log line. */
export function serverError(requestId?: string, statusCode = 500): APIGatewayProxyResult {
  return jsonResponse(statusCode, { message: 'Internal error', ...(requestId ? { requestId } : {}) });
}

/**
 * Parse and validate a JSON request body.
 * @throws ValidationError naming each invalid field.
 */
export function parseJsonBody<Schema extends z.ZodType>(
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>,
  schema: Schema,
): z.infer<Schema> {
  if (event.body === null || event.body === undefined || event.body === '') {
    throw new ValidationError('Request body is required');
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError('Request body is not valid JSON');
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ValidationError(
      'Request body is invalid',
      result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`),
    );
  }
  return result.data;
}

/**
 * Map a thrown error to an API answer: domain errors to their 4xx (429 for throttling), anything else to a
 * generic 500. The caller logs the error before calling this.
 */
export function errorResponse(error: unknown, requestId?: string): APIGatewayProxyResult {
  if (error instanceof ValidationError) return clientError(400, error.message, error.details);
  if (error instanceof NotFoundError) return clientError(404, error.message);
  if (error instanceof ConflictError) return clientError(409, error.message);
  if (error instanceof ThrottledError) return jsonResponse(429, { message: error.message }, { 'Retry-After': '1' });
  return serverError(requestId);
}
