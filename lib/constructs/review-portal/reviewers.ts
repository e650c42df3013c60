import { Aws, Duration, Fn, RemovalPolicy, aws_cognito as cognito } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { REVIEWER_GROUP } from '../../../lambdas/review-portal/contract';
import { ReviewerUserPool } from '../../shared/reviewer-user-pool';

/** The portal's reviewer accounts. */
export interface Reviewers {
  /** The user pool (construct id `Reviewers`, retained, deletion-protected). */
  readonly userPool: cognito.UserPool;
  /** The hosted sign-in domain (`SignIn`). */
  readonly domain: cognito.UserPoolDomain;
  /** `https://<domain prefix>.auth.<region>.amazoncognito.com`: where the page signs in and exchanges codes. */
  readonly signInUrl: string;
}

/** The reviewer user pool, its `reviewers` group and its hosted sign-in domain. */
export function createReviewers(scope: Construct, mfa: 'required' | 'optional'): Reviewers {
  const userPool = new ReviewerUserPool(scope, 'Reviewers', {
    mfa,
    standardAttributes: { email: { required: true, mutable: true } },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
    userInvitation: {
      emailSubject: 'You are invited to review items',
      emailBody:
        'You were invited to the review portal. Sign in with your email address {username} and the temporary password {####}; you will choose a new password and set up an authenticator app.',
    },
  });
  new cognito.CfnUserPoolGroup(scope, 'ReviewersGroup', {
    userPoolId: userPool.userPoolId,
    groupName: REVIEWER_GROUP,
    description: 'People allowed to claim and answer review tasks',
  });
  // The hosted sign-in domain needs a globally unique prefix: the stack's own GUID makes one without configuration.
  const domain = userPool.addDomain('SignIn', {
    cognitoDomain: { domainPrefix: Fn.join('-', ['review', Fn.select(2, Fn.split('/', Aws.STACK_ID))]) },
  });
  return { userPool, domain, signInUrl: `https://${domain.domainName}.auth.${Aws.REGION}.amazoncognito.com` };
}

/** The web page's OAuth client: authorization code with PKCE, no secret, redirects to the portal only. */
export function addWebClient(userPool: cognito.UserPool, portalUrl: string): cognito.UserPoolClient {
  return userPool.addClient('WebClient', {
    generateSecret: false,
    authFlows: {},
    oAuth: {
      flows: { authorizationCodeGrant: true },
      scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
      callbackUrls: [`${portalUrl}/`],
      logoutUrls: [`${portalUrl}/`],
    },
    supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
    preventUserExistenceErrors: true,
    idTokenValidity: Duration.hours(1),
    accessTokenValidity: Duration.hours(1),
    refreshTokenValidity: Duration.hours(12),
    enableTokenRevocation: true,
  });
}
