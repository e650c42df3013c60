import type { APIGatewayProxyEvent } from 'aws-lambda';
import { groupsOf, reviewerOf } from '../../../../lambdas/review-portal/adapters/api';
import { authorizerClaims, testToken } from '../../../helpers/review-portal';

const event = (claims: Record<string, unknown>, headers: Record<string, string> = {}) =>
  ({ requestContext: { authorizer: { claims } }, headers }) as unknown as Pick<
    APIGatewayProxyEvent,
    'requestContext' | 'headers'
  >;
/** An event as API Gateway's REST Cognito authorizer builds it: string claims, the verified token in the header. */
const fromToken = (sub: string, groups: string[]) =>
  event(authorizerClaims({ sub, groups }), { Authorization: testToken({ sub, groups }) });

describe('reviewers group check (exact group names)', () => {
  it('reads the exact groups from the verified ID token, not from the comma-joined claim', () => {
    expect(
      groupsOf(authorizerClaims({ sub: 'u', groups: ['a,b', 'c'] }), {
        authorization: testToken({ sub: 'u', groups: ['a,b', 'c'] }),
      }),
    ).toEqual(['a,b', 'c']);
    expect(groupsOf({ sub: 'u', 'cognito:groups': ['x y', 'z'] })).toEqual(['x y', 'z']);
    // A Bearer prefix is accepted; a token for another user is ignored (the claim string is then one name).
    expect(
      groupsOf(
        { sub: 'u', 'cognito:groups': 'a' },
        { Authorization: `Bearer ${testToken({ sub: 'u', groups: ['a'] })}` },
      ),
    ).toEqual(['a']);
    expect(
      groupsOf({ sub: 'u', 'cognito:groups': 'a,b' }, { Authorization: testToken({ sub: 'other', groups: ['b'] }) }),
    ).toEqual(['a,b']);
    expect(groupsOf({ sub: 'u' }, { Authorization: 'not-a-token' })).toEqual([]);
  });

  it('admits members of a group whose name has a comma or a space, and nobody who only looks like one', () => {
    expect(reviewerOf(fromToken('u1', ['review,team']), 'review,team').workerId).toBe('u1');
    expect(() => reviewerOf(fromToken('u2', ['review', 'team']), 'review,team')).toThrow(
      /not in the review,team group/,
    );
    expect(reviewerOf(fromToken('u3', ['review team']), 'review team').workerId).toBe('u3');
    expect(() => reviewerOf(fromToken('u4', ['review', 'team']), 'review team')).toThrow(
      /not in the review team group/,
    );
    expect(() => reviewerOf(fromToken('u5', ['reviewers,eu']), 'reviewers')).toThrow(/not in the reviewers group/);
    expect(reviewerOf(fromToken('u6', ['ops', 'reviewers']), 'reviewers').workerId).toBe('u6');
    expect(() => reviewerOf(event({}), 'reviewers')).toThrow('Sign in as a reviewer');
  });
});
