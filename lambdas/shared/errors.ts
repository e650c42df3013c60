/**
 * Domain errors shared by the handlers. Each maps to one response of its trigger: API handlers turn them into 4xx
 * answers, Step Functions tasks let their `name` reach Retry/Catch.
 */
export class DomainError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The input is malformed or breaks a rule; retrying the same input cannot succeed (HTTP 400). */
export class ValidationError extends DomainError {
  constructor(
    message: string,
    /** One entry per problem, each naming the field. */
    public readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}

/** The thing asked for does not exist (HTTP 404). */
export class NotFoundError extends DomainError {}

/** The request conflicts with the current state, e.g. a lease held by someone else (HTTP 409). */
export class ConflictError extends DomainError {}

/** A downstream service throttled us; the caller should retry later (HTTP 429 / 503). */
export class ThrottledError extends DomainError {}

/** A transient failure worth retrying (Step Functions Retry, stream retry). */
export class RetryableError extends DomainError {}

/** The function's own configuration is wrong (missing or invalid environment variables). */
export class ConfigurationError extends DomainError {}

/** The `name` of an AWS SDK v3 error (`ThrottlingException`, `ConflictException`, ...), or undefined. */
export function awsErrorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string'
    ? error.name
    : undefined;
}

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'SlowDown',
  'ServiceUnavailableException',
  'LimitExceededException',
]);

/** True for AWS SDK errors that mean "slow down and try again". */
export function isThrottling(error: unknown): boolean {
  const name = awsErrorName(error);
  if (name !== undefined && THROTTLING_NAMES.has(name)) return true;
  const meta = (error as { $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } } | null)
    ?.$retryable;
  return meta?.throttling === true;
}

/** A one-line description of any thrown value, for logs and error reports. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
