/** CORS headers for a request origin: only an exactly configured origin is echoed back; nothing otherwise. */
export function corsHeaders(origin: string | undefined, allowed: readonly string[]): Record<string, string> {
  if (origin === undefined || !allowed.includes(origin)) return allowed.length > 0 ? { Vary: 'Origin' } : {};
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
}

/** The `Origin` header of a request, whatever its case. */
export function originOf(headers: Readonly<Record<string, string | undefined>> | null | undefined): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'origin');
  return key === undefined ? undefined : headers[key];
}
