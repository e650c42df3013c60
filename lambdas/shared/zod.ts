/**
 * The zod that handlers use: `zod/mini`, the same schemas as `zod` with a tree-shakable, function-based API
 * (`z.optional(z.string().check(z.minLength(1)))`). The full build (`import { z } from 'zod'`) is about 444 KiB of
 * every bundle that imports it and a large part of a handler's cold start (issue 13: it was 51 % of each bundle);
 * with `zod/mini` a handler carries only the schemas it uses.
 *
 * `zod/mini` loads no error messages by default ("Invalid input" for every problem); the English locale is
 * configured here once, so answers and logs name the problem exactly as the full build does. Both builds share one
 * `zod/v4/core`, so schemas of either kind may be mixed (the Powertools parser's event schemas are full-build ones).
 *
 * Import it as `import * as z from '../shared/zod'` in handlers, their cores and adapters, and use members only
 * (`z.string()`): a namespace object that escapes (`export { z }`, passing `z` around) makes esbuild keep every
 * export of zod, all 40 locales included. `lambdas/shared/env.ts` and `lambdas/shared/http.ts` accept a schema of
 * either build.
 */
import { config } from 'zod/mini';
import { en } from 'zod/v4/locales';

config(en());

export * from 'zod/mini';
