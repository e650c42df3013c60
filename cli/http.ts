import { CliError, oneLine } from './errors';

/** A response body shown in an error is cut to this many characters (within the printer's line length). */
export const MAX_BODY_CHARS = 400;

/** What `fetch` failures mean, by the `code` of their cause (undici and Node socket/TLS error codes). */
const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens there)',
  ECONNRESET: 'connection reset by the server',
  ENOTFOUND: 'DNS lookup failed (no such host)',
  EAI_AGAIN: 'DNS lookup failed (temporary; try again)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the answer',
  UND_ERR_BODY_TIMEOUT: 'timed out reading the answer',
  UND_ERR_SOCKET: 'connection closed by the server',
  CERT_HAS_EXPIRED: 'TLS: the server certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: the server certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: a self-signed certificate is in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: the server certificate cannot be verified',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS: the certificate issuer is unknown here',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: the certificate does not name this host',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS: the server does not speak TLS (http:// instead of https://?)',
};

interface CauseShape {
  name?: string;
  message?: string;
  code?: string;
  errors?: CauseShape[];
  cause?: CauseShape;
}

/** The code of a fetch failure's cause (`error.cause.code`, or the first of an AggregateError's errors). */
function causeCode(error: unknown): string | undefined {
  const e = error as CauseShape | undefined;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return e.name;
  const cause = e?.cause;
  return cause?.code ?? cause?.errors?.find((inner) => inner.code)?.code ?? cause?.cause?.code;
}

/**
 * A failed `fetch` as an error that names the method, the URL and the cause: connection refused, DNS, TLS or timeout
 * (the `code` of `error.cause`).
 */
export function explainFetchError(error: unknown, method: string, url: string, timeoutSeconds?: number): CliError {
  const code = causeCode(error);
  const inner = (error as CauseShape | undefined)?.cause;
  if (inner?.message === 'bad port') {
    return new CliError(
      `${method} ${url} failed: fetch refuses to connect to port ${new URL(url).port} (a blocked "bad port")`,
      [],
      { cause: inner },
    );
  }
  const meaning =
    code === 'TimeoutError' || code === 'AbortError'
      ? `no answer within ${timeoutSeconds ?? '?'} s (--timeout)`
      : code !== undefined
        ? (NETWORK_CAUSES[code] ?? code)
        : ((error as CauseShape | undefined)?.cause?.message ?? (error as CauseShape | undefined)?.message ?? 'failed');
  const shownCode = code !== undefined && code !== 'TimeoutError' && code !== 'AbortError' ? ` (${code})` : '';
  // The cause is the socket, DNS or TLS error itself (fetch wraps it in a TypeError that says only "fetch failed").
  return new CliError(`${method} ${url} failed: ${meaning}${shownCode}`, [], { cause: inner ?? error });
}

/** A JSON answer of an HTTP API. */
export interface JsonAnswer {
  readonly status: number;
  /** The body: parsed JSON, or the text when it is not JSON. */
  readonly body: unknown;
}

/**
 * POST a JSON body and read the answer.
 * @throws CliError naming the URL and the network cause when there is no answer, or the HTTP status and the body (cut
 *   to {@link MAX_BODY_CHARS}) when the answer is not 2xx (a 403 adds a hint about the API key).
 */
export async function postJson(
  url: string,
  body: unknown,
  options: { headers?: Record<string, string>; timeoutSeconds: number },
): Promise<JsonAnswer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...options.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutSeconds * 1000),
    });
  } catch (error) {
    throw explainFetchError(error, 'POST', url, options.timeoutSeconds);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw explainFetchError(error, 'POST', url, options.timeoutSeconds);
  }
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  if (!response.ok) {
    const details = [`body: ${oneLine(text === '' ? '(empty)' : text, MAX_BODY_CHARS)}`];
    const errorType = response.headers.get('x-amzn-errortype');
    if (errorType) details.push(`x-amzn-errortype: ${errorType}`);
    if (/Missing Authentication Token/i.test(text)) {
      details.push('API Gateway has no such path: check --api-url (it ends in the stage, e.g. …/v1)');
    } else if (response.status === 403) {
      details.push('A 403 from API Gateway usually means a wrong or missing API key (--api-key, MLW_API_KEY)');
    }
    throw new CliError(`POST ${url} answered HTTP ${response.status} ${response.statusText}`.trimEnd(), details);
  }
  return { status: response.status, body: parsed };
}
