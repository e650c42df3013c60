import { z } from 'zod';
import { arn, bool, int, stringList } from './schema-helpers';

/** Configuration of the review portal (self-hosted human review: task queue, API, web page). */
export const reviewPortalConfigSchema = z
  .object({
    /** Deploy the review portal stack. */
    enabled: bool().default(true),
    /** Reviewers who must answer each task before it completes (A2I's `NumberOfHumanWorkersPerDataObject`). */
    reviewersPerItem: int({ min: 1, max: 9 }).default(1),
    /** Minutes a claimed task stays reserved for its reviewer; after that it returns to the queue. */
    leaseMinutes: int({ min: 1, max: 480 }).default(15),
    /** Hours a task may wait before the "waiting too long" alarm fires. */
    maxTaskAgeHours: int({ min: 1, max: 720 }).default(24),
    /** Days completed tasks stay in the task table (DynamoDB TTL); results stay in S3. */
    taskRetentionDays: int({ min: 1, max: 3650 }).default(90),
    /** Key prefix of the A2I-shaped results in the output bucket (empty, or ending with `/`). */
    outputPrefix: z
      .string()
      .regex(/^$|^[A-Za-z0-9!_.*'()/-]*\/$/, 'expected an empty string or an S3 key prefix ending with "/"')
      .default('review-output/'),
    /** Steady-state request rate limit of the review API (requests per second, per stage). */
    throttleRateLimit: int({ min: 1, max: 10_000 }).default(20),
    /** Burst limit of the review API. */
    throttleBurstLimit: int({ min: 1, max: 5_000 }).default(40),
    /** Multi-factor authentication for reviewers: `required` (TOTP) or `optional`. */
    mfa: z.enum(['required', 'optional']).default('required'),
    /** More browser origins allowed to call the API (CORS), e.g. `http://localhost:8080` for local page development. */
    allowedOrigins: stringList(
      z.string().regex(/^https?:\/\/[^/\s]+$/, 'expected an origin such as https://review.example.com'),
    ).default([]),
    /**
     * AWS WAF web ACL of the page's CloudFront distribution (a WAFv2 ARN with scope CLOUDFRONT, created in us-east-1).
     * Unset: no web ACL (the page is static; the API needs a Cognito token).
     */
    webAclArn: arn('wafv2', 'global/webacl/').optional(),
  })
  .strict();

/** Validated review-portal configuration. */
export type ReviewPortalConfig = z.infer<typeof reviewPortalConfigSchema>;
