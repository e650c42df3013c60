import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ConflictError, DomainError, NotFoundError, ThrottledError, ValidationError, describeError } from './errors';
import { flushMetrics } from './observability';
import * as z from './zod';

/** Headers on every API answer. */
const BASE_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
} as const;

/** Problems listed one by one in an error answer; the rest are only counted (`moreDetails`). */
export const MAX_LISTED_PROBLEMS = 10;
/** Characters of one listed problem; a longer one is cut and ends with `…`. */
export const MAX_PROBLEM_CHARS = 300;

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

/**
 * The problems an error answer lists: the first {@link MAX_LISTED_PROBLEMS}, each cut to {@link MAX_PROBLEM_CHARS}
 * characters, and how many more there were. An answer never grows with the request (a body with 40,000 unknown fields
 * gets the same small answer as one with 11).
 */
export function capProblems(details: readonly string[]): { details: string[]; moreDetails?: number } {
  const listed = details
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((d) => (d.length > MAX_PROBLEM_CHARS ? `${d.slice(0, MAX_PROBLEM_CHARS - 1)}…` : d));
  const more = details.length - listed.length;
  return more > 0 ? { details: listed, moreDetails: more } : { details: listed };
}

/**
 * A 4xx answer that says what is wrong: `{"message": reason, "details": [...], "moreDetails": n}`, with the problems
 * capped by {@link capProblems}. `extra` members (e.g. a `code` a web page switches on) are added to the body.
 */
export function clientError(
  statusCode: number,
  reason: string,
  details: readonly string[] = [],
  extra: Record<string, unknown> = {},
): APIGatewayProxyResult {
  return jsonResponse(statusCode, {
    message: reason,
    ...(details.length > 0 ? capProblems(details) : {}),
    ...extra,
  });
}

/** A generic 5xx: never leaks internals; the request id lets operators find the log line. */
export function serverError(requestId?: string, statusCode = 500): APIGatewayProxyResult {
  return jsonResponse(statusCode, { message: 'Internal error', ...(requestId ? { requestId } : {}) });
}

/** The request's media type is not one the API reads (HTTP 415). */
export class UnsupportedMediaTypeError extends DomainError {}

/** The value of a header, whatever its case (API Gateway keeps the client's spelling). */
export function headerOf(
  headers: Readonly<Record<string, string | undefined>> | null | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  const key = Object.keys(headers).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : headers[key];
}

/**
 * Check that a request's `Content-Type` is JSON: `application/json` or `application/<anything>+json`, with no
 * `charset` other than UTF-8 (RFC 8259 §8.1: JSON exchanged between systems is UTF-8). A request without the header
 * is read as JSON.
 * @throws UnsupportedMediaTypeError naming the media type received.
 */
export function checkJsonContentType(contentType: string | undefined): void {
  if (contentType === undefined || contentType.trim() === '') return;
  const [type = '', ...parameters] = contentType.split(';').map((p) => p.trim().toLowerCase());
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    throw new UnsupportedMediaTypeError(
      `Content-Type ${JSON.stringify(contentType)} is not supported: send application/json (UTF-8)`,
    );
  }
  const charset = parameters
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaTypeError(
      `Content-Type ${JSON.stringify(contentType)} is not supported: send the body as UTF-8 (charset=utf-8)`,
    );
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The text of a request body. A base64 body (`isBase64Encoded`, API Gateway's form for binary media types) is decoded
 * and must be valid UTF-8. A text body that holds U+FFFD was not valid UTF-8 when it arrived: API Gateway replaces
 * the bytes it cannot decode by that character, so the original text is already lost and storing it would keep
 * garbage (a client that means U+FFFD can send the JSON escape `\ufffd`).
 * @throws ValidationError naming the encoding problem.
 */
export function bodyText(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>): string {
  if (event.body === null || event.body === undefined || event.body === '') {
    throw new ValidationError('Request body is required');
  }
  if (event.isBase64Encoded) {
    try {
      return utf8.decode(Buffer.from(event.body, 'base64'));
    } catch {
      throw new ValidationError('Request body is not valid UTF-8', [
        'body: send the JSON text encoded as UTF-8 (a Latin-1 or Windows-1252 body is refused, not guessed)',
      ]);
    }
  }
  const replaced = event.body.indexOf('\ufffd');
  if (replaced >= 0) {
    throw new ValidationError('Request body is not valid UTF-8', [
      `body: character ${replaced} is U+FFFD, the mark of bytes that were not UTF-8; send the body as UTF-8 (or escape the character as \\ufffd)`,
    ]);
  }
  return event.body;
}

/**
 * Parse and validate a JSON request body: the media type when the event carries headers
 * ({@link checkJsonContentType}), the encoding ({@link bodyText}), then the shape.
 * @throws UnsupportedMediaTypeError for a body that is not JSON; ValidationError naming the encoding problem or each
 * invalid field.
 */
export function parseJsonBody<Schema extends z.core.$ZodType>(
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'> & {
    readonly headers?: APIGatewayProxyEvent['headers'] | null;
  },
  schema: Schema,
): z.infer<Schema> {
  checkJsonContentType(headerOf(event.headers, 'content-type'));
  const text = bodyText(event);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError('Request body is not valid JSON');
  }
  const result = z.safeParse(schema, value);
  if (!result.success) {
    throw new ValidationError(
      'Request body is invalid',
      result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`),
    );
  }
  return result.data;
}

/**
 * Map a thrown error to an API answer: domain errors to their 4xx (415 for a media type, 429 for throttling),
 * anything else to a generic 500. The caller logs the error before calling this.
 */
export function errorResponse(error: unknown, requestId?: string): APIGatewayProxyResult {
  if (error instanceof ValidationError) return clientError(400, error.message, error.details);
  if (error instanceof UnsupportedMediaTypeError) return clientError(415, error.message);
  if (error instanceof NotFoundError) return clientError(404, error.message);
  if (error instanceof ConflictError) return clientError(409, error.message);
  if (error instanceof ThrottledError) return jsonResponse(429, { message: error.message }, { 'Retry-After': '1' });
  return serverError(requestId);
}

/** CORS headers for a request origin: only an exactly configured origin is echoed back; nothing otherwise. */
export function corsHeaders(origin: string | undefined, allowed: readonly string[]): Record<string, string> {
  if (origin === undefined || !allowed.includes(origin)) return allowed.length > 0 ? { Vary: 'Origin' } : {};
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
}

/** What a route of {@link apiHandler} receives. */
export interface ApiRequest<Body> {
  readonly event: APIGatewayProxyEvent;
  /** API Gateway's request id (else the Lambda request id): in every error answer and log line. */
  readonly requestId: string | undefined;
  /** The parsed, validated body (`undefined` for a route without a body schema). */
  readonly body: Body;
  readonly context: Pick<Context, 'awsRequestId'> | undefined;
}

/** Options of {@link apiHandler}. */
export interface ApiHandlerOptions<Schema extends z.core.$ZodType | undefined> {
  /** The handler's logger: 4xx answers are logged at `info`, 5xx at `error`. */
  readonly logger: Logger;
  /** Metrics flushed after every request ({@link flushMetrics}: nothing is written when the request stored none). */
  readonly metrics?: Metrics;
  /**
   * Schema of the JSON body. When given, the wrapper checks the content type (415), the encoding (400) and the shape
   * (400 naming each field) before the route runs.
   * @default no body is read
   */
  readonly body?: Schema;
  /**
   * Origins allowed by CORS (read per request; a configuration error here adds no CORS header).
   * @default none
   */
  readonly allowedOrigins?: () => readonly string[];
  /**
   * Map an error of the route to an answer before the shared mapping ({@link errorResponse}); return undefined to
   * leave it to the shared mapping.
   */
  readonly mapError?: (error: unknown, requestId: string | undefined) => APIGatewayProxyResult | undefined;
}

/**
 * The one wrapper of API Gateway (REST, proxy integration) handlers: request id, body parsing with the media-type
 * (415) and UTF-8 (400) checks, error mapping with capped problems, CORS on every answer, metrics flushed.
 *
 * @example
 * export const handler = apiHandler({ logger, metrics, body: FeedbackSchema, allowedOrigins }, async ({ body }) =>
 *   jsonResponse(202, await record(body)));
 *
 * Adopting it in a handler with its own authorization and error codes (the review portal's `adapters/api.ts`): pass
 * `mapError: reviewErrorResponse` (its 403/404/409 codes), `allowedOrigins: () => portalEnv()[ALLOWED_ORIGINS]`, no
 * `body` (each route calls {@link parseJsonBody}, which applies the same checks), and authorize inside the route
 * (`reviewerOf(event, …)`), so a refused reviewer gets the same CORS headers and logging as any other answer.
 */
export function apiHandler<Schema extends z.core.$ZodType | undefined = undefined>(
  options: ApiHandlerOptions<Schema>,
  route: (
    request: ApiRequest<Schema extends z.core.$ZodType ? z.infer<Schema> : undefined>,
  ) => Promise<APIGatewayProxyResult>,
): (event: APIGatewayProxyEvent, context?: Pick<Context, 'awsRequestId'>) => Promise<APIGatewayProxyResult> {
  return async (event, context) => {
    // A Lambda context (not a test's `{ awsRequestId }`) adds the function and request ids to every log line.
    if (context !== undefined && 'functionName' in context) options.logger.addContext(context as Context);
    const requestId = event.requestContext?.requestId ?? context?.awsRequestId;
    let cors: Record<string, string> = {};
    try {
      cors = corsHeaders(headerOf(event.headers, 'origin'), options.allowedOrigins?.() ?? []);
    } catch {
      // The configuration error surfaces again in the route and is answered with a logged 500.
    }
    let response: APIGatewayProxyResult;
    try {
      let body: unknown = undefined;
      if (options.body !== undefined) body = parseJsonBody(event, options.body);
      response = await route({
        event,
        requestId,
        body: body as Schema extends z.core.$ZodType ? z.infer<Schema> : undefined,
        context,
      });
    } catch (error) {
      response = options.mapError?.(error, requestId) ?? errorResponse(error, requestId);
      if (response.statusCode >= 500) {
        options.logger.error('Request failed', { error: describeError(error), requestId, path: event.resource });
      } else {
        options.logger.info('Request refused', { statusCode: response.statusCode, reason: describeError(error) });
      }
    } finally {
      if (options.metrics) flushMetrics(options.metrics);
    }
    return { ...response, headers: { ...response.headers, ...cors } };
  };
}
