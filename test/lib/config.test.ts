import { ConfigError, parseConfig } from '../../lib/config';

describe('parseConfig', () => {
  it('works with no configuration at all (embedded defaults)', () => {
    const config = parseConfig({});
    expect(config.stackPrefix).toBe('Mlw');
    expect(config.logRetentionDays).toBe(30);
    expect(config.account).toBeUndefined();
    expect(config.example).toEqual({ enabled: true, expireAfterDays: 30 });
  });

  it('reads sections as objects and dotted -c keys as strings, dotted keys winning', () => {
    const config = parseConfig({
      example: { enabled: false, expireAfterDays: 5 },
      'example.expireAfterDays': '12',
      logRetentionDays: '90',
    });
    expect(config.example).toEqual({ enabled: false, expireAfterDays: 12 });
    expect(config.logRetentionDays).toBe(90);
  });

  it('parses a whole section given as a JSON string with -c', () => {
    expect(parseConfig({ example: '{"enabled":false}' }).example.enabled).toBe(false);
  });

  it('ignores CDK-internal context keys', () => {
    expect(() =>
      parseConfig({
        'aws:cdk:bundling-stacks': [],
        '@aws-cdk/core:target-partitions': ['aws'],
        'cli-telemetry': false,
      }),
    ).not.toThrow();
  });

  it.each([
    ['logRetentionDays', '13', /logRetentionDays: received "13"; expected one of 1, 3, 5/],
    ['example.expireAfterDays', '0', /example\.expireAfterDays: received "0"; expected a value >= 1 and <= 3650/],
    ['example.expireAfterDays', 'soon', /example\.expireAfterDays: received "soon"; expected an integer/],
    ['example.enabled', 'yes', /example\.enabled: received "yes"; expected true or false/],
    ['region', 'mars-1', /region: received "mars-1"; expected an AWS region/],
    ['account', '1234', /account: received "1234"; expected a 12-digit AWS account id/],
    ['example.colour', 'blue', /example\.colour: unknown configuration key/],
    ['exampel.enabled', 'true', /exampel\.enabled: unknown configuration section "exampel"/],
  ])('rejects %s=%s naming the key, the value and what is allowed', (key, value, message) => {
    expect(() => parseConfig({ [key]: value })).toThrow(message);
  });

  it('reports every problem at once', () => {
    const attempt = () => parseConfig({ logRetentionDays: '13', 'example.expireAfterDays': '0' });
    const error: unknown = (() => {
      try {
        attempt();
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual([
      'logRetentionDays',
      'example.expireAfterDays',
    ]);
  });
});
