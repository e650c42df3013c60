import { z } from 'zod';
import { ConfigurationError } from './errors';

/**
 * Typed, memoized environment parsing. Declare the variables a handler needs as a zod object; the first call
 * validates `process.env` and reports *every* missing or invalid variable in one error; later calls return the
 * cached result.
 *
 * @example
 * const config = defineEnv({ BUCKET: z.string().min(1), BATCH_SIZE: z.coerce.number().int().positive() });
 * export const handler = async () => { const { BUCKET } = config(); ... };
 */
export function defineEnv<Shape extends z.ZodRawShape>(
  shape: Shape,
): (() => z.infer<z.ZodObject<Shape>>) & { reset(): void } {
  const schema = z.object(shape);
  let cached: z.infer<z.ZodObject<Shape>> | undefined;
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
export function parseEnv<Schema extends z.ZodObject>(
  schema: Schema,
  env: Record<string, string | undefined>,
): z.infer<Schema> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.');
    return env[name] === undefined ? `${name} is missing` : `${name} is invalid: ${issue.message}`;
  });
  throw new ConfigurationError(`Invalid environment: ${problems.join('; ')}`);
}

/** A comma-separated list variable (`a,b,c`), trimmed, empty entries dropped. */
export const envList = () =>
  z.string().transform((s) =>
    s
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  );

/** A boolean variable written as `true` or `false`. */
export const envBool = () => z.enum(['true', 'false']).transform((s) => s === 'true');
