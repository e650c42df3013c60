import { realApp, synthesizedTemplates } from '../../../helpers/app';

/**
 * The review page's Content-Security-Policy (issue #10, kind 9): `connect-src` names the portal's own API and its own
 * Cognito domain, both known at deploy time, instead of every API Gateway and Cognito domain of the Region.
 */

/** A template value as text: literals as they are, `{Ref:X}` / `{X.Attr}` for references, joins joined. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v['Fn::Join'])) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(sep);
  }
  if (typeof v.Ref === 'string') return `{Ref:${v.Ref}}`;
  if (Array.isArray(v['Fn::GetAtt'])) return `{${(v['Fn::GetAtt'] as string[]).join('.')}}`;
  return JSON.stringify(value);
}

describe('review page Content-Security-Policy', () => {
  const template = synthesizedTemplates(realApp()).get('Mlw-ReviewPortal')!;
  const resources = Object.entries(template.Resources ?? {});
  const logicalIdOf = (type: string) => {
    const found = resources.filter(([, r]) => r.Type === type).map(([id]) => id);
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const [, policy] = resources.find(([, r]) => r.Type === 'AWS::CloudFront::ResponseHeadersPolicy')!;
  const config = policy.Properties!.ResponseHeadersPolicyConfig as {
    SecurityHeadersConfig: { ContentSecurityPolicy: { ContentSecurityPolicy: unknown } };
  };
  const csp = render(config.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
  const directives = new Map(
    csp.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );

  it("lets the page connect only to itself, the portal's own API and the portal's own Cognito domain", () => {
    const api = logicalIdOf('AWS::ApiGateway::RestApi');
    const domain = logicalIdOf('AWS::Cognito::UserPoolDomain');
    expect(directives.get('connect-src')).toEqual([
      "'self'",
      `https://{Ref:${api}}.execute-api.{Ref:AWS::Region}.{Ref:AWS::URLSuffix}`,
      `https://{Ref:${domain}}.auth.{Ref:AWS::Region}.amazoncognito.com`,
    ]);
  });

  it('has no wildcard source anywhere, and keeps the rest strict', () => {
    expect(csp).not.toContain('*');
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('gives the page the same Cognito domain in config.json that the policy allows', () => {
    const deployment = resources.find(([, r]) => r.Type === 'Custom::CDKBucketDeployment')![1];
    const markers = JSON.stringify(deployment.Properties!.SourceMarkers);
    const domain = logicalIdOf('AWS::Cognito::UserPoolDomain');
    expect(markers).toContain(`{"Ref":"${domain}"}`);
  });
});
