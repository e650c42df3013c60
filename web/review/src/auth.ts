import { type WebConfig } from '../../../lambdas/review-portal/contract';

/** Session storage key of the ID token (a test may put a token here before the page loads). */
export const TOKEN_KEY = 'review.idToken';
const VERIFIER_KEY = 'review.pkceVerifier';

/** Claims of the ID token the page shows or checks. */
export interface TokenClaims {
  readonly sub?: string;
  readonly email?: string;
  readonly exp?: number;
}

/** Decode a JWT's payload (no verification: the API's Cognito authorizer verifies every request). */
export function claimsOf(token: string): TokenClaims | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const binary = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))) as TokenClaims;
  } catch {
    return undefined;
  }
}

/** The stored token while it is valid for at least another minute. */
export function currentToken(now = Date.now()): string | undefined {
  const token = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  if (!token) return undefined;
  const exp = claimsOf(token)?.exp;
  if (exp !== undefined && exp * 1000 < now + 60_000) {
    sessionStorage.removeItem(TOKEN_KEY);
    return undefined;
  }
  return token;
}

function base64Url(bytes: Uint8Array): string {
  let s = '';
  bytes.forEach((b) => (s += String.fromCharCode(b)));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function redirectUri(): string {
  return `${location.origin}/`;
}

/** Send the browser to the Cognito hosted sign-in (authorization code with PKCE). */
export async function signIn(config: WebConfig): Promise<void> {
  if (!config.cognitoDomain || !config.userPoolClientId)
    throw new Error('Sign-in is not configured (config.json has no Cognito settings)');
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  sessionStorage.setItem(VERIFIER_KEY, verifier);
  const challenge = base64Url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: config.userPoolClientId,
    redirect_uri: redirectUri(),
    scope: 'openid email profile',
    code_challenge_method: 'S256',
    code_challenge: challenge,
  });
  location.assign(`${config.cognitoDomain}/oauth2/authorize?${query.toString()}`);
}

/** Finish a sign-in redirect (`?code=`): exchange the code for tokens and keep the ID token for this tab. */
export async function completeSignIn(config: WebConfig): Promise<boolean> {
  const code = new URLSearchParams(location.search).get('code');
  const verifier = sessionStorage.getItem(VERIFIER_KEY);
  if (!code || !verifier || !config.cognitoDomain || !config.userPoolClientId) return false;
  history.replaceState(null, '', redirectUri());
  const response = await fetch(`${config.cognitoDomain}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.userPoolClientId,
      code,
      redirect_uri: redirectUri(),
      code_verifier: verifier,
    }),
  });
  sessionStorage.removeItem(VERIFIER_KEY);
  if (!response.ok) return false;
  const tokens = (await response.json()) as { id_token?: string };
  if (!tokens.id_token) return false;
  sessionStorage.setItem(TOKEN_KEY, tokens.id_token);
  return true;
}

/** Forget the token and end the hosted-UI session. */
export function signOut(config: WebConfig): void {
  sessionStorage.removeItem(TOKEN_KEY);
  if (config.cognitoDomain && config.userPoolClientId) {
    location.assign(
      `${config.cognitoDomain}/logout?${new URLSearchParams({ client_id: config.userPoolClientId, logout_uri: redirectUri() }).toString()}`,
    );
  } else {
    location.reload();
  }
}
