import { createValidatedPolicy, validateIdentityPolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { type Template } from 'aws-cdk-lib/assertions';

/**
 * IAM policy evaluation for the CI roles' templates with @cloud-copilot/iam-simulate (a maintained simulator of AWS's
 * policy evaluation logic: condition operators, principals, resources, explicit and implicit deny).
 *
 * `runUnsafeSimulation` is used because its checked sibling drops context keys that the IAM service reference does not
 * list for `sts:AssumeRoleWithWebIdentity`, and the OIDC `sub` and `aud` keys of an issuer are such keys. Policies go
 * in through `createValidatedPolicy`, which checks their grammar (trust or identity policy) first.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

/** The synthesized properties of one `AWS::IAM::Role`, found by the start of its logical id. */
export function roleOf(template: Template, logicalIdPrefix: string): { trust: unknown; policies: unknown[] } {
  const roles = template.findResources('AWS::IAM::Role');
  const ids = Object.keys(roles).filter((id) => id.startsWith(logicalIdPrefix));
  if (ids.length !== 1) throw new Error(`expected one role ${logicalIdPrefix}*, found ${ids.join(', ') || 'none'}`);
  const id = ids[0] as string;
  const policies = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(`"${id}"`))
    .map((p) => (p as { Properties: { PolicyDocument: unknown } }).Properties.PolicyDocument);
  return {
    trust: (roles[id] as { Properties: { AssumeRolePolicyDocument: unknown } }).Properties.AssumeRolePolicyDocument,
    policies,
  };
}

/** The token a CI job presents, as IAM's condition keys see it. */
export interface OidcClaims {
  /** The IAM OIDC provider the token's issuer maps to. */
  readonly providerArn: string;
  /** Issuer host (and path): the prefix of the condition keys. */
  readonly host: string;
  readonly sub: string;
  readonly aud: string;
}

/** Would IAM let a job with these claims call `AssumeRoleWithWebIdentity` on a role with this trust policy? */
export function canAssumeWithWebIdentity(trust: unknown, claims: OidcClaims): boolean {
  const result = runUnsafeSimulation(
    {
      request: {
        principal: claims.providerArn,
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: { resource: `arn:aws:iam::${ACCOUNT}:role/ci-role`, accountId: ACCOUNT },
        contextVariables: { [`${claims.host}:sub`]: claims.sub, [`${claims.host}:aud`]: claims.aud },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: createValidatedPolicy(trust, validateTrustPolicy, { name: 'trust' }),
    },
    {},
  );
  return result === 'Allowed';
}

/**
 * Would a session of the role, with these identity policies, be allowed `action` on `resource`? For `sts:AssumeRole`
 * give the target role's trust policy as `resourcePolicy` (a CDK bootstrap role trusts its account's root, which
 * leaves the decision to the caller's identity policies).
 */
export function identityAllows(
  policies: unknown[],
  action: string,
  resource: string,
  resourcePolicy?: unknown,
): boolean {
  const result = runUnsafeSimulation(
    {
      request: {
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/ci-role/session`,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: {},
      },
      identityPolicies: policies.map((policy, i) => ({
        name: `policy${i}`,
        policy: createValidatedPolicy(policy, validateIdentityPolicy, { name: `policy${i}` }),
      })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy:
        resourcePolicy === undefined
          ? undefined
          : createValidatedPolicy(resourcePolicy, validateTrustPolicy, { name: 'target trust' }),
    },
    {},
  );
  return result === 'Allowed';
}

/** The trust policy `cdk bootstrap` gives its roles: the account's root, i.e. whoever that account's IAM allows. */
export function bootstrapRoleTrust(trustedAccount: string): unknown {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${trustedAccount}:root` }, Action: 'sts:AssumeRole' },
    ],
  };
}
