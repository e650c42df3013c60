import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { z } from 'zod';
import { defineEnv, envList } from '../../shared/env';
import { ValidationError } from '../../shared/errors';
import { errorResponse, jsonResponse } from '../../shared/http';
import { createLogger, createMetrics } from '../../shared/observability';
import { REVIEWER_GROUP, REVIEW_PORTAL_ENV as ENV, TASK_ID_MAX_LENGTH, TASK_ID_PATTERN } from '../contract';
import { ForbiddenError, InvalidAnswerError, ReviewConflictError, TaskNotFoundError } from '../core/errors';
import { type PortalSettings, type Reviewer } from '../core/task';
import { flushMetrics, setPortalDimension } from './metrics';

/** Environment of the portal's API functions (every missing variable reported at once). */
export const portalEnv = defineEnv({
  [ENV.TASK_TABLE]: z.string().min(1),
  [ENV.REVIEWERS_PER_ITEM]: z.coerce.number().int().min(1).max(9).default(1),
  [ENV.LEASE_SECONDS]: z.coerce.number().int().min(10).default(900),
  [ENV.RETENTION_DAYS]: z.coerce.number().int().min(1).default(90),
  [ENV.MAX_TASK_AGE_SECONDS]: z.coerce.number().int().min(60).default(86_400),
  [ENV.ALLOWED_ORIGINS]: envList().default([]),
  [ENV.REVIEWER_GROUP]: z.string().min(1).default(REVIEWER_GROUP),
});

/** The decision settings from the environment. */
export function settingsFromEnv(): PortalSettings {
  const env = portalEnv();
  return {
    reviewersPerItem: env[ENV.REVIEWERS_PER_ITEM],
    leaseMs: env[ENV.LEASE_SECONDS] * 1000,
    retentionDays: env[ENV.RETENTION_DAYS],
  };
}

export const logger = createLogger();
export const metrics = createMetrics();

/** The payload of a JWT (no signature check: API Gateway's Cognito authorizer verified the token), or undefined. */
function jwtPayload(token: string): Record<string, unknown> | undefined {
  const payload = token.replace(/^Bearer\s+/i, '').split('.')[1];
  if (!payload) return undefined;
  try {
    const value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const strings = (value: unknown[]): string[] => value.filter((v): v is string => typeof v === 'string');

/**
 * The caller's Cognito groups, exactly as Cognito issued them (a group name may contain a comma: Cognito allows any
 * letter, mark, symbol, number or punctuation character).
 *
 * The ID token carries `cognito:groups` as a JSON array, but API Gateway's Cognito authorizer hands a REST API's Lambda
 * proxy every claim as a string, the groups joined with commas (`"a,b"`), which cannot tell the groups `a` and `b` from
 * one group `a,b`. So the groups are read, in order, from: an array in the claims (as other authorizers pass it); the
 * verified ID token itself (the `Authorization` header API Gateway checked), when its `sub`, `iss` and `jti` are the
 * authorizer's; else the flattened string counts as one group name (exact match only: a user in several groups is
 * then refused rather than guessed at).
 */
export function groupsOf(
  claims: Readonly<Record<string, unknown>>,
  headers: Readonly<Record<string, string | undefined>> | null = {},
): string[] {
  const claimed = claims['cognito:groups'];
  if (Array.isArray(claimed)) return strings(claimed);
  const authorization = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
  const token = authorization ? jwtPayload(authorization) : undefined;
  const sameToken =
    token !== undefined &&
    token.sub === claims.sub &&
    (claims.iss === undefined || token.iss === claims.iss) &&
    (claims.jti === undefined || token.jti === claims.jti);
  if (sameToken) {
    const groups = token['cognito:groups'];
    return Array.isArray(groups) ? strings(groups) : [];
  }
  return typeof claimed === 'string' && claimed !== '' ? [claimed] : [];
}

/**
 * The reviewer behind a request: the Cognito authorizer's claims (`sub`, `email`, `iss`, `cognito:groups`).
 * @throws ForbiddenError when the user is not in the reviewers group (exact name, see {@link groupsOf}) or the request
 *   carries no claims.
 */
export function reviewerOf(event: Pick<APIGatewayProxyEvent, 'requestContext' | 'headers'>, group: string): Reviewer {
  const claims = (event.requestContext.authorizer?.claims ?? {}) as Record<string, unknown>;
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '') throw new ForbiddenError('Sign in as a reviewer');
  if (!groupsOf(claims, event.headers).includes(group)) {
    throw new ForbiddenError(`Your account is not in the ${group} group: ask an administrator to invite you`);
  }
  return {
    workerId: sub,
    ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
    ...(typeof claims.iss === 'string' ? { issuer: claims.iss } : {}),
  };
}

const TASK_ID = new RegExp(TASK_ID_PATTERN);

/**
 * The `{taskId}` path parameter.
 * @throws ValidationError when it is missing or not a task id.
 */
export function taskIdOf(event: Pick<APIGatewayProxyEvent, 'pathParameters'>): string {
  const taskId = event.pathParameters?.taskId;
  if (!taskId || taskId.length > TASK_ID_MAX_LENGTH || !TASK_ID.test(taskId)) {
    throw new ValidationError(`Not a task id: ${JSON.stringify(taskId ?? '')}`);
  }
  return taskId;
}

/** CORS headers for an allowed origin (the distribution's, plus configured ones); nothing for others. */
function corsHeaders(event: Pick<APIGatewayProxyEvent, 'headers'>): Record<string, string> {
  const origin = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'origin')?.[1];
  let allowed: readonly string[] = [];
  try {
    allowed = portalEnv()[ENV.ALLOWED_ORIGINS];
  } catch {
    // A configuration error is already answered with a 500 and logged; it adds no CORS header.
  }
  if (!origin || !allowed.includes(origin)) return {};
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
}

/** Map an error to the answer the page understands: 4xx with `message`, `details` and `code`; generic 5xx. */
export function reviewErrorResponse(error: unknown, requestId?: string): APIGatewayProxyResult {
  if (error instanceof ForbiddenError) return jsonResponse(403, { message: error.message, code: error.code });
  if (error instanceof ReviewConflictError || error instanceof TaskNotFoundError) {
    return jsonResponse(error instanceof TaskNotFoundError ? 404 : 409, { message: error.message, code: error.code });
  }
  if (error instanceof InvalidAnswerError)
    return jsonResponse(400, { message: error.message, details: error.details, code: error.code });
  return errorResponse(error, requestId);
}

/** A handler body: gets the event and the signed-in reviewer, returns the response. */
export type RouteHandler = (
  event: APIGatewayProxyEvent,
  reviewer: Reviewer,
  context: Context,
) => Promise<APIGatewayProxyResult>;

/**
 * Wrap a route: authorize the reviewer, run the body, map domain errors to 4xx (with the `code` the page uses) and
 * anything else to a logged generic 500; add CORS headers; flush metrics.
 */
export function apiHandler(
  body: RouteHandler,
): (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult> {
  return async (event, context) => {
    logger.addContext(context);
    let response: APIGatewayProxyResult;
    try {
      const env = portalEnv();
      setPortalDimension(metrics, env[ENV.TASK_TABLE]);
      response = await body(event, reviewerOf(event, env[ENV.REVIEWER_GROUP]), context);
    } catch (error) {
      response = reviewErrorResponse(error, context.awsRequestId);
      if (response.statusCode >= 500) logger.error('Request failed', { error: error as Error, path: event.resource });
      else logger.info('Request refused', { statusCode: response.statusCode, reason: (error as Error).message });
    } finally {
      flushMetrics(metrics);
    }
    return { ...response, headers: { ...response.headers, ...corsHeaders(event) } };
  };
}
