import { z } from 'zod';

/**
 * Schema helpers for configuration read from CDK context.
 *
 * Values set with `-c key=value` arrive as strings, values from `cdk.json` keep their JSON type. These helpers accept
 * both, so `-c streamingAnomaly.windowSeconds=120` and `"windowSeconds": 120` mean the same.
 */
const fromString = (parse: (s: string) => unknown) => (value: unknown) =>
  typeof value === 'string' && value.trim() !== '' ? parse(value.trim()) : value;

/** Inclusive bounds of a numeric option. */
export interface Bounds {
  readonly min?: number;
  readonly max?: number;
}

function bounded(schema: z.ZodNumber, { min, max }: Bounds): z.ZodNumber {
  let out = schema;
  if (min !== undefined) out = out.min(min, `expected a value >= ${min}${max !== undefined ? ` and <= ${max}` : ''}`);
  if (max !== undefined) out = out.max(max, `expected a value <= ${max}${min !== undefined ? ` and >= ${min}` : ''}`);
  return out;
}

/** An integer within optional bounds, from a JSON number or a decimal string. */
export const int = (bounds: Bounds = {}) =>
  z.preprocess(
    fromString((s) => (/^-?\d+$/.test(s) ? Number(s) : s)),
    bounded(z.number({ error: 'expected an integer' }).int({ error: 'expected an integer' }), bounds),
  );

/** A number within optional bounds, from a JSON number or a decimal string. */
export const num = (bounds: Bounds = {}) =>
  z.preprocess(
    fromString((s) => (/^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s)),
    bounded(z.number({ error: 'expected a number' }), bounds),
  );

/** A boolean, from a JSON boolean or the strings `true` / `false`. */
export const bool = () =>
  z.preprocess(
    fromString((s) => (s === 'true' ? true : s === 'false' ? false : s)),
    z.boolean({ error: 'expected true or false' }),
  );

/** A list of strings, from a JSON array or a comma-separated string. */
export const stringList = (item: z.ZodType<string> = z.string().min(1)) =>
  z.preprocess(
    fromString((s) =>
      s.startsWith('[')
        ? (JSON.parse(s) as unknown)
        : s
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part !== ''),
    ),
    z.array(item),
  );

/** An ARN of the given service (and optional resource prefix). */
export const arn = (service: string, resourcePrefix = '') =>
  z
    .string()
    .regex(
      new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]*:\\d{0,12}:${resourcePrefix}.+$`),
      `expected an ARN of the form arn:aws:${service}:<region>:<account>:${resourcePrefix}…`,
    );

/** CloudWatch Logs retention values accepted by `logs.RetentionDays`. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** A log retention in days, one of {@link LOG_RETENTION_DAYS}. */
export const logRetentionDays = () =>
  int().refine((v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v), {
    message: `expected one of ${LOG_RETENTION_DAYS.join(', ')}`,
  });
