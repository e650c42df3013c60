import { Token } from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';

/**
 * Thrown by a construct's validation block when a prop has a value the construct cannot build.
 * The message names the construct path, the prop, the value received and how to fix it.
 */
export class ConstructValidationError extends Error {
  constructor(
    /** The construct that rejected its props. */
    scope: IConstruct,
    /** Name of the offending prop, e.g. `windowSize`. */
    public readonly prop: string,
    /** The value received. */
    public readonly value: unknown,
    /** What is allowed, or how to fix it. */
    public readonly fix: string,
  ) {
    super(`${scope.node.path}: invalid ${prop} ${formatValue(value)}: ${fix}`);
    this.name = 'ConstructValidationError';
  }
}

function formatValue(value: unknown): string {
  if (value === undefined) return '(undefined)';
  if (typeof value === 'object' && value !== null && 'toHumanString' in value) {
    return String((value as { toHumanString(): string }).toHumanString());
  }
  return JSON.stringify(value);
}

/** True when the value is a CDK token that cannot be validated at synth time. */
export function isUnresolved(value: unknown): boolean {
  return (typeof value === 'string' || typeof value === 'number') && Token.isUnresolved(value);
}

/**
 * Reject a number outside `[min, max]` (skipped for tokens).
 * @throws ConstructValidationError
 */
export function validateRange(
  scope: IConstruct,
  prop: string,
  value: number | undefined,
  min: number,
  max: number,
  unit = '',
): void {
  if (value === undefined || isUnresolved(value)) return;
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConstructValidationError(scope, prop, value, `must be between ${min} and ${max}${unit}`);
  }
}

/**
 * Reject a string that does not match a pattern (skipped for tokens).
 * @throws ConstructValidationError
 */
export function validatePattern(
  scope: IConstruct,
  prop: string,
  value: string | undefined,
  pattern: RegExp,
  description: string,
): void {
  if (value === undefined || isUnresolved(value)) return;
  if (!pattern.test(value)) throw new ConstructValidationError(scope, prop, value, description);
}

/**
 * Reject passing both an existing resource and props to create one.
 * @throws ConstructValidationError
 */
export function validateExclusive(scope: IConstruct, props: Record<string, unknown>): void {
  const given = Object.entries(props).filter(([, v]) => v !== undefined);
  if (given.length > 1) {
    const names = given.map(([k]) => k);
    throw new ConstructValidationError(
      scope,
      names.join(' and '),
      '(both given)',
      `give at most one of ${names.join(', ')}`,
    );
  }
}
