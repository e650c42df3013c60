/**
 * The one error printer of `mlw`: every command's failure reaches {@link formatError} through `main()`, so a user
 * always sees the message, then the reasons the error carries (one line each, capped), then what caused it.
 */

/** At most this many reason lines are printed under the message; the rest are counted. */
export const MAX_DETAIL_LINES = 20;
/** A printed line longer than this is cut (and says so). */
export const MAX_LINE_LENGTH = 500;
/** Causes are followed this deep (`error.cause.cause…`). */
const MAX_CAUSE_DEPTH = 4;

/**
 * An error for the user, with reasons and hints beside the message (each printed on its own line). Commands throw it
 * for problems of their own input; any error with a `details: string[]` field is printed the same way (e.g. the
 * handlers' `ValidationError`).
 */
export class CliError extends Error {
  constructor(
    message: string,
    /** One entry per problem or hint, each a single line. */
    public readonly details: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** One line: control characters and line breaks become spaces, and a long line is cut at {@link MAX_LINE_LENGTH}. */
export function oneLine(text: string, max = MAX_LINE_LENGTH): string {
  // eslint-disable-next-line no-control-regex -- replacing control characters is the point
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}… (${flat.length} characters)` : flat;
}

interface ErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly details?: unknown;
  readonly issues?: unknown;
  readonly errors?: unknown;
  readonly cause?: unknown;
}

const isObject = (value: unknown): value is ErrorLike => typeof value === 'object' && value !== null;

/** The message of an error, or the string form of any other thrown value. */
function messageOf(error: unknown): string {
  if (isObject(error) && typeof error.message === 'string' && error.message !== '') return error.message;
  if (isObject(error) && typeof error.name === 'string') return error.name;
  return String(error);
}

/** Error names that say nothing beside the message. */
const QUIET_NAMES = new Set(['Error', 'CliError']);

/** `Name: message (code)` for causes; the name is left out when it says nothing (`Error`). */
function describeCause(error: unknown): string {
  const message = messageOf(error);
  if (!isObject(error)) return message;
  const name = typeof error.name === 'string' && !QUIET_NAMES.has(error.name) ? `${error.name}: ` : '';
  const code = typeof error.code === 'string' && !message.includes(error.code) ? ` (${error.code})` : '';
  return `${name}${message}${code}`;
}

/**
 * The reasons an error carries, in the shapes the project and its libraries use: `details: string[]` (CliError and the
 * handlers' ValidationError), zod's `issues: {path, message}[]`, and `AggregateError.errors`.
 */
export function reasonsOf(error: unknown): string[] {
  if (!isObject(error)) return [];
  if (Array.isArray(error.details)) return error.details.map((d) => (typeof d === 'string' ? d : JSON.stringify(d)));
  if (Array.isArray(error.issues)) {
    return error.issues.map((issue: unknown) => {
      if (!isObject(issue)) return String(issue);
      const { path } = issue as { path?: unknown };
      const where = Array.isArray(path) && path.length > 0 ? `${path.map(String).join('.')}: ` : '';
      return `${where}${messageOf(issue)}`;
    });
  }
  if (Array.isArray(error.errors)) return error.errors.map(describeCause);
  return [];
}

/**
 * The lines `mlw` prints for a failure: `mlw: <message>`, then each reason as `  - <reason>` (at most
 * {@link MAX_DETAIL_LINES}, then how many more): the further lines of a multi-line message, and the reasons of the
 * nearest error in the cause chain that has any. Then
 * `  caused by: …` for each cause whose message is not already shown. With `stack`, the stack trace follows
 * (MLW_DEBUG=1).
 */
export function formatError(error: unknown, options: { stack?: boolean } = {}): string[] {
  const chain: unknown[] = [error];
  for (let c = isObject(error) ? error.cause : undefined; c !== undefined && chain.length <= MAX_CAUSE_DEPTH;) {
    chain.push(c);
    c = isObject(c) ? c.cause : undefined;
  }
  const message = messageOf(error);
  // A message of several lines is a headline and its reasons.
  const [headline = '', ...messageLines] = message.split('\n').filter((line) => line.trim() !== '');
  const lines = [`mlw: ${oneLine(headline)}`];
  const reasons = [...messageLines, ...(chain.map(reasonsOf).find((r) => r.length > 0) ?? [])];
  for (const reason of reasons.slice(0, MAX_DETAIL_LINES)) lines.push(`  - ${oneLine(reason)}`);
  if (reasons.length > MAX_DETAIL_LINES) lines.push(`  … and ${reasons.length - MAX_DETAIL_LINES} more`);
  let shown = message;
  for (const cause of chain.slice(1)) {
    const described = describeCause(cause);
    if (!shown.includes(messageOf(cause))) lines.push(`  caused by: ${oneLine(described)}`);
    shown += ` ${described}`;
  }
  if (options.stack && error instanceof Error && error.stack) lines.push(error.stack);
  return lines;
}
