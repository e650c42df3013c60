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

/**
 * A string that one mode needs: when it is missing, the message says when it is required (e.g. `required when
 * activeLearning.classifier.mode is endpoint-arn`).
 */
export const requiredString = (when?: string) =>
  when === undefined
    ? z.string()
    : z.string({ error: (issue) => (issue.input === undefined ? `required when ${when}` : undefined) });

/** An ARN of the given service (and optional resource prefix); `requiredWhen` names the mode that needs it. */
export const arn = (service: string, resourcePrefix = '', requiredWhen?: string) =>
  requiredString(requiredWhen).regex(
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

/** What {@link modeVariants} registered about one block: its mode key and which modes each key belongs to. */
export interface ModeKeys {
  readonly discriminator: string;
  readonly defaultMode: string;
  readonly modesOfKey: ReadonlyMap<string, readonly string[]>;
}

/** Blocks whose keys depend on a mode, by dotted configuration path (read by the error messages of `parseConfig`). */
export const MODE_KEYS = new Map<string, ModeKeys>();

/**
 * The variants of a configuration block whose keys depend on one discriminator key (a "mode"): one strict object per
 * mode, for `z.discriminatedUnion`. The block is registered in {@link MODE_KEYS}, so a key that belongs to another
 * mode is reported as "applies only when `<path>.<discriminator>` is …" with the fix, not as a typo.
 *
 * @param path the block's dotted configuration path, e.g. `activeLearning.classifier`
 * @param discriminator the mode key, e.g. `mode`
 * @param defaultMode the mode when the key is not given (see {@link withDefaultMode})
 * @param shapes one shape per mode, each with its `discriminator: z.literal(<mode>)`
 */
export function modeVariants<M extends Record<string, z.ZodRawShape>>(
  path: string,
  discriminator: string,
  defaultMode: keyof M & string,
  shapes: M,
): { [K in keyof M]: z.ZodObject<M[K], z.core.$strict> } {
  const modesOfKey = new Map<string, string[]>();
  for (const [mode, shape] of Object.entries(shapes)) {
    for (const key of Object.keys(shape)) modesOfKey.set(key, [...(modesOfKey.get(key) ?? []), mode]);
  }
  MODE_KEYS.set(path, { discriminator, defaultMode, modesOfKey });
  return Object.fromEntries(Object.entries(shapes).map(([mode, shape]) => [mode, z.strictObject(shape)])) as {
    [K in keyof M]: z.ZodObject<M[K], z.core.$strict>;
  };
}

/** Fill in the discriminator's default before a discriminated union reads it (a union has no default of its own). */
export function withDefaultMode<T extends z.ZodType>(discriminator: string, defaultMode: string, union: T) {
  return z.preprocess(
    (value) =>
      typeof value === 'object' && value !== null && !Array.isArray(value) && !(discriminator in value)
        ? { ...value, [discriminator]: defaultMode }
        : value,
    union,
  );
}
