/**
 * Names of the review back ends' own settings (beyond `REVIEW_ENV` in `../review.ts`), shared with the CDK side.
 * Zero imports.
 */

/** Environment variables of the A2I back end. */
export const A2I_ENV = {
  /** Comma-separated `ContentClassifiers` declared on every human loop (may be empty). */
  CONTENT_CLASSIFIERS: 'REVIEW_A2I_CONTENT_CLASSIFIERS',
} as const;

/** The `ContentClassifiers` values A2I accepts. */
export const A2I_CONTENT_CLASSIFIERS = ['FreeOfPersonallyIdentifiableInformation', 'FreeOfAdultContent'] as const;
/** One of {@link A2I_CONTENT_CLASSIFIERS}. */
export type A2iContentClassifier = (typeof A2I_CONTENT_CLASSIFIERS)[number];

/** A2I `InputContent` limit, in characters. */
export const A2I_MAX_INPUT_CONTENT_CHARS = 3_145_728;
