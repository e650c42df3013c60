/** The GitLab token secret is missing or malformed. The message never contains the secret's value. */
export class TokenSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenSecretError';
  }
}

/**
 * The GitLab token from a Secrets Manager secret string: either the token itself or JSON `{"token": "…"}`, with
 * surrounding whitespace (a trailing newline from `echo`, for instance) trimmed.
 *
 * @param secretId named in error messages (never the value)
 * @throws TokenSecretError
 */
export function parseTokenSecret(secretString: string | undefined, secretId: string): string {
  if (secretString === undefined) {
    throw new TokenSecretError(`Secret ${secretId} has no SecretString (store the GitLab token as text, not binary)`);
  }
  const trimmed = secretString.trim();
  let token = trimmed;
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new TokenSecretError(
        `Secret ${secretId} starts with "{" but is not valid JSON; store {"token": "<token>"} or the token alone`,
      );
    }
    const value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).token : undefined;
    if (typeof value !== 'string') {
      throw new TokenSecretError(`Secret ${secretId} is JSON without a string "token" key; store {"token": "<token>"}`);
    }
    token = value.trim();
  }
  if (token === '') throw new TokenSecretError(`Secret ${secretId} holds an empty GitLab token`);
  if (/\s/.test(token))
    throw new TokenSecretError(`Secret ${secretId} holds a GitLab token with whitespace inside; store the token alone`);
  return token;
}

/**
 * Replace every occurrence of a secret in a text (defence in depth for error messages that echo a request).
 */
export function redact(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join('[REDACTED]');
}
