import { ConfigurationError } from './errors';
import * as z from './zod';

/**
 * Typed, memoized environment parsing. Declare the variables a handler needs as a shape of zod schemas (`zod/mini`
 * from `./zod`, or the full build); the first call validates `process.env` and reports *every* missing or invalid
 * variable in one error; later calls return the cached result.
 *
 * @example
 * const config = defineEnv({ BUCKET: z.string().check(z.minLength(1)), BATCH_SIZE: envInt(z.positive()) });
 * export const handler = async () => { const { BUCKET } = config(); ... };
 */
export function defineEnv<Shape extends Record<string, z.core.$ZodType>>(
  shape: Shape,
): (() => z.infer<z.ZodMiniObject<Shape>>) & { reset(): void } {
  const schema = z.object(shape);
  let cached: z.infer<z.ZodMiniObject<Shape>> | undefined;
  const read = () => {
    if (cached === undefined) cached = parseEnv(schema, process.env);
    return cached;
  };
  /** Forget the cached value (tests that change `process.env`). */
  read.reset = () => {
    cached = undefined;
  };
  return read;
}

/**
 * Validate an environment map against a schema.
 * @throws ConfigurationError listing every missing or invalid variable.
 */
export function parseEnv<Schema extends z.core.$ZodType<object>>(
  schema: Schema,
  env: Record<string, string | undefined>,
): z.infer<Schema> {
  const result = z.safeParse(schema, env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.');
    return env[name] === undefined ? `${name} is missing` : `${name} is invalid: ${issue.message}`;
  });
  throw new ConfigurationError(`Invalid environment: ${problems.join('; ')}`);
}

/** A comma-separated list variable (`a,b,c`), trimmed, empty entries dropped. */
export const envList = () =>
  z.pipe(
    z.string(),
    z.transform((s: string) =>
      s
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    ),
  );

/** A boolean variable written as `true` or `false`. */
export const envBool = () =>
  z.pipe(
    z.enum(['true', 'false']),
    z.transform((s: 'true' | 'false') => s === 'true'),
  );

/** A number variable (`0.8`), with optional checks (`envNumber(z.minimum(0), z.maximum(1))`). */
export const envNumber = (...checks: z.core.$ZodCheck<number>[]) => z.coerce.number().check(...checks);

/** An integer variable (`60`), with optional checks (`envInt(z.minimum(0))`). */
export const envInt = (...checks: z.core.$ZodCheck<number>[]) => z.pipe(z.coerce.number(), z.int().check(...checks));
