import { z } from 'zod';
import { bool, int } from './schema-helpers';

/** Configuration of the example stack that proves the app's machinery (one bucket, one function). */
export const exampleConfigSchema = z
  .object({
    /** Deploy the example stack. */
    enabled: bool().default(true),
    /** Days after which objects in the example bucket expire. */
    expireAfterDays: int({ min: 1, max: 3650 }).default(30),
  })
  .strict();

/** Validated example configuration. */
export type ExampleConfig = z.infer<typeof exampleConfigSchema>;
