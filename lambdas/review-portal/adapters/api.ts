import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { defineEnv, envInt, envList } from '../../shared/env';
import { ValidationError } from '../../shared/errors';
import { apiHandler, jsonResponse } from '../../shared/http';
import { createLogger, flushMetrics } from '../../shared/observability';
import * as z from '../../shared/zod';
import { REVIEWER_GROUP, REVIEW_PORTAL_ENV as ENV, TASK_ID_MAX_LENGTH, TASK_ID_PATTERN } from '../contract';
import { ForbiddenError, InvalidAnswerError, ReviewConflictError, TaskNotFoundError } from '../core/errors';
import { type PortalSettings, type Reviewer } from '../core/task';
import { portalMetrics } from './metrics';

/** Environment of the portal's API functions (every missing variable reported at once). */
export const portalEnv = defineEnv({
  [ENV.TASK_TABLE]: z.string().check(z.minLength(1)),
  [ENV.REVIEWERS_PER_ITEM]: z._default(envInt(z.minimum(1), z.maximum(9)), 1),
  [ENV.LEASE_SECONDS]: z._default(envInt(z.minimum(10)), 900),
  [ENV.RETENTION_DAYS]: z._default(envInt(z.minimum(1)), 90),
  [ENV.MAX_TASK_AGE_SECONDS]: z._default(envInt(z.minimum(60)), 86_400),
  [ENV.ALLOWED_ORIGINS]: z._default(envList(), []),
  [ENV.REVIEWER_GROUP]: z._default(z.string().check(z.minLength(1)), REVIEWER_GROUP),
  [ENV.IMAGE_BUCKETS]: z._default(envList(), []),
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

/** The portal functions' logger. */
export const logger = createLogger();

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

/**
 * The portal's domain errors as answers the page understands: 403, 404 and 409 with the `code` it switches on, 400
 * for answers that do not fit the task (with `details`); undefined for anything else (the shared mapping of
 * `lambdas/shared/http.ts`: 400, 415, 429 or a generic 500).
 */
export function reviewErrorResponse(error: unknown): APIGatewayProxyResult | undefined {
  if (error instanceof ForbiddenError) return jsonResponse(403, { message: error.message, code: error.code });
  if (error instanceof ReviewConflictError || error instanceof TaskNotFoundError) {
    return jsonResponse(error instanceof TaskNotFoundError ? 404 : 409, { message: error.message, code: error.code });
  }
  if (error instanceof InvalidAnswerError)
    return jsonResponse(400, { message: error.message, details: error.details, code: error.code });
  return undefined;
}

/**
 * A route of the portal's API: gets the event, the signed-in reviewer and the metrics of this portal (with its
 * `portal` dimension; flushed by the wrapper), returns the response.
 */
export type RouteHandler = (
  event: APIGatewayProxyEvent,
  reviewer: Reviewer,
  metrics: Metrics,
) => Promise<APIGatewayProxyResult>;

/**
 * Wrap a portal route in the shared API wrapper ({@link apiHandler}: request id, CORS for the configured origins,
 * error mapping, logging), with the portal's own parts: the metrics of this portal ({@link portalMetrics}, flushed
 * after the route), the reviewer authorized before the route runs, and the portal's error codes
 * ({@link reviewErrorResponse}).
 */
export function portalRoute(route: RouteHandler): ReturnType<typeof apiHandler> {
  return apiHandler(
    { logger, allowedOrigins: () => portalEnv()[ENV.ALLOWED_ORIGINS], mapError: reviewErrorResponse },
    async ({ event }) => {
      const env = portalEnv();
      const metrics = portalMetrics(env[ENV.TASK_TABLE]);
      try {
        return await route(event, reviewerOf(event, env[ENV.REVIEWER_GROUP]), metrics);
      } finally {
        flushMetrics(metrics);
      }
    },
  );
}
