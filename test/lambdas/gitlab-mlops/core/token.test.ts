import fc from 'fast-check';
import { TokenSecretError, parseTokenSecret, redact } from '../../../../lambdas/gitlab-mlops/core/token';

describe('parseTokenSecret', () => {
  it('accepts a plain token or JSON {"token"}, trimmed', () => {
    expect(parseTokenSecret('glpat-abc123\n', 's')).toBe('glpat-abc123');
    expect(parseTokenSecret('  {"token": " glpat-abc123 "}  ', 's')).toBe('glpat-abc123');
  });

  it('rejects missing, empty and malformed secrets without echoing the value', () => {
    const cases: [string | undefined, string][] = [
      [undefined, 'has no SecretString'],
      ['   ', 'holds an empty GitLab token'],
      ['{"token": 1, "other": "glpat-leak"}', 'is JSON without a string "token" key'],
      ['{not json glpat-leak', 'is not valid JSON'],
      ['glpat-leak more', 'with whitespace inside'],
    ];
    for (const [value, message] of cases) {
      let error: unknown;
      try {
        parseTokenSecret(value, 'gitlab/token');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TokenSecretError);
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).toContain('gitlab/token');
      expect((error as Error).message).not.toContain('glpat-leak');
    }
  });

  it('any token survives both storage forms (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/), (token) => {
        return (
          parseTokenSecret(` ${token}\n`, 's') === token && parseTokenSecret(JSON.stringify({ token }), 's') === token
        );
      }),
    );
  });

  it('redacts a secret everywhere in a text', () => {
    expect(redact('a glpat-x b glpat-x', 'glpat-x')).toBe('a [REDACTED] b [REDACTED]');
    expect(redact('nothing', '')).toBe('nothing');
  });
});
