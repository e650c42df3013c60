import { Duration, Stack, aws_events as events } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { REVIEW_PORTAL_METRICS, REVIEW_ROUTES } from '../../../lambdas/review-portal/contract';
import { REVIEW_PORTAL_DETAIL_TYPE, REVIEW_PORTAL_EVENT_SOURCE } from '../../../lambdas/review/contract';
import { ConfigError, parseConfig } from '../../../lib/config';
import { ReviewPortal, type ReviewPortalProps } from '../../../lib/constructs/review-portal';
import { HandlerFunction } from '../../../lib/shared/handler-function';
import { lambdaEntry } from '../../../lib/shared/paths';
import { type IReviewBackend } from '../../../lib/shared/review-backend';
import { ReviewPortalStack } from '../../../lib/stacks/review-portal-stack';
import { realApp, stackOf, templateOf, testApp } from '../../helpers/app';

function portalStack(context: Record<string, unknown> = {}): ReviewPortalStack {
  const app = testApp(context);
  return new ReviewPortalStack(app, 'Mlw-ReviewPortal', { config: parseConfig(context).reviewPortal });
}

describe('ReviewPortalStack', () => {
  const stack = portalStack();
  const template = templateOf(stack);

  it('keeps tasks in DynamoDB with a sparse queue index, a stream, TTL and point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'taskId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'ByQueue',
          KeySchema: [
            { AttributeName: 'queue', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: ['version', 'leases', 'answeredBy', 'requiredAnswers', 'status', 'skippedBy'],
          },
        },
      ],
    });
  });

  it('puts every route behind the Cognito authorizer with request validation, throttling and access logs', () => {
    const methods = template.findResources('AWS::ApiGateway::Method');
    const routed = Object.values(methods).filter(
      (m) => (m.Properties as { HttpMethod: string }).HttpMethod !== 'OPTIONS',
    );
    expect(routed).toHaveLength(REVIEW_ROUTES.length);
    for (const method of routed) {
      const properties = method.Properties as Record<string, unknown>;
      expect(properties.AuthorizationType).toBe('COGNITO_USER_POOLS');
      expect(properties.AuthorizerId).toBeDefined();
      expect(properties.RequestValidatorId).toBeDefined();
    }
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      ProviderARNs: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('PortalReviewers'), 'Arn'] }],
    });
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestModels: { 'application/json': Match.anyValue() },
      RequestParameters: { 'method.request.path.taskId': true },
    });
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      Schema: Match.objectLike({
        required: ['answers'],
        properties: {
          answers: Match.objectLike({
            patternProperties: Match.objectLike({ '^textCategory[0-9]+$': Match.anyValue() }),
          }),
        },
      }),
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 })],
    });
  });

  it('lets only invited reviewers in: no self sign-up, MFA, a reviewers group, a PKCE web client', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12 }) },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'reviewers' });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      CallbackURLs: [
        {
          'Fn::Join': [
            '',
            ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('PortalDistribution'), 'DomainName'] }, '/'],
          ],
        },
      ],
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['-', ['review', Match.anyValue()]] },
    });
  });

  it('serves the page from a private bucket through CloudFront with origin access control, HTTPS and security headers', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          ResponseHeadersPolicyId: Match.anyValue(),
        }),
        Origins: [
          Match.objectLike({ OriginAccessControlId: Match.anyValue(), S3OriginConfig: { OriginAccessIdentity: '' } }),
        ],
        Logging: Match.objectLike({ Prefix: 'cloudfront/review-portal/' }),
      }),
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: Match.anyValue(), Override: true },
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true }),
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentTypeOptions: { Override: true },
        }),
      }),
    });
    const csp = JSON.stringify(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('deploys the built page with a config.json generated at deploy time (API URL and Cognito ids), not a rebuild', () => {
    const deployments = template.findResources('Custom::CDKBucketDeployment');
    const [deployment] = Object.values(deployments) as {
      Properties: {
        SourceObjectKeys: unknown[];
        SourceMarkers: Record<string, unknown>[];
        DistributionPaths: string[];
        Prune: boolean;
      };
    }[];
    expect(deployment?.Properties.SourceObjectKeys).toHaveLength(2);
    const markers = JSON.stringify(deployment?.Properties.SourceMarkers);
    for (const ref of ['PortalApi', 'PortalReviewers', 'PortalReviewersWebClient', 'PortalReviewersSignIn'])
      expect(markers).toContain(ref);
    expect(deployment?.Properties.DistributionPaths).toEqual(['/*']);
  });

  it('publishes completions from the table stream: filtered to OPEN → COMPLETED, bisecting, partial failures, an on-failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 8,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('PortalPublishFailures'), 'Arn'] } },
      },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['MODIFY'],
              dynamodb: { NewImage: { status: { S: ['COMPLETED'] } }, OldImage: { status: { S: ['OPEN'] } } },
            }),
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('PortalPublishResultsRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [Match.anyValue(), '/review-output/*']] },
          }),
          Match.objectLike({ Action: 'events:PutEvents' }),
        ]),
      },
    });
  });

  it('grants each API function only the table actions it needs, on the table or the queue index (no wildcards)', () => {
    const policyOf = (role: string) =>
      Object.values(template.findResources('AWS::IAM::Policy')).find((p) =>
        JSON.stringify((p.Properties as { Roles: unknown }).Roles).includes(role),
      ) as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } };
    const actions = (role: string) =>
      policyOf(role)
        .Properties.PolicyDocument.Statement.flatMap((s) => s.Action)
        .filter((a) => a.startsWith('dynamodb:'))
        .sort();
    expect(actions('PortalGetTaskRole')).toEqual(['dynamodb:GetItem']);
    expect(actions('PortalClaimTaskRole')).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(actions('PortalQueueStatsRole')).toEqual(['dynamodb:Query']);
    expect(JSON.stringify(policyOf('PortalClaimTaskRole'))).toContain('/index/ByQueue');
    expect(JSON.stringify(policyOf('PortalClaimTaskRole'))).not.toContain('index/*');
  });

  it('measures the queue every 5 minutes, alarms when a task waits too long, and graphs depth, age and answers per hour', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ RetryPolicy: Match.anyValue(), DeadLetterConfig: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: REVIEW_PORTAL_METRICS.OLDEST_TASK_AGE,
      Namespace: 'MlWorkflows',
      Threshold: 86_400,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [
        { Name: 'portal', Value: { Ref: Match.stringLikeRegexp('PortalTasks') } },
        { Name: 'service', Value: 'review-portal' },
      ],
      AlarmActions: [Match.anyValue()],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5XXError', Namespace: 'AWS/ApiGateway' });
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    for (const name of [
      REVIEW_PORTAL_METRICS.QUEUE_DEPTH,
      REVIEW_PORTAL_METRICS.OLDEST_TASK_AGE,
      REVIEW_PORTAL_METRICS.ANSWERS_SUBMITTED,
    ])
      expect(body).toContain(name);
    expect(body).toMatch(/ReviewAnswersSubmitted.{0,200}period\\*":3600/);
  });

  it('outputs what operators and the CLI need', () => {
    for (const key of [
      'PortalUrl',
      'ApiUrl',
      'UserPoolId',
      'UserPoolClientId',
      'TaskTableName',
      'OutputBucketName',
      'PortalId',
    ])
      template.hasOutput(key, {});
  });

  it('honours configuration', () => {
    const configured = templateOf(
      portalStack({
        'reviewPortal.reviewersPerItem': '3',
        'reviewPortal.leaseMinutes': '5',
        'reviewPortal.maxTaskAgeHours': '2',
        'reviewPortal.mfa': 'optional',
        'reviewPortal.throttleRateLimit': '7',
        'reviewPortal.allowedOrigins': 'http://localhost:8080',
      }),
    );
    configured.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          REVIEW_PORTAL_REVIEWERS_PER_ITEM: '3',
          REVIEW_PORTAL_LEASE_SECONDS: '300',
          REVIEW_PORTAL_ALLOWED_ORIGINS: Match.objectLike({
            'Fn::Join': ['', Match.arrayWith([',http://localhost:8080'])],
          }),
        }),
      },
    });
    configured.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: REVIEW_PORTAL_METRICS.OLDEST_TASK_AGE,
      Threshold: 7200,
    });
    configured.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'OPTIONAL' });
    configured.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 7 })],
    });
  });

  it('names the key, the value and what is allowed in configuration errors', () => {
    expect(() => parseConfig({ 'reviewPortal.reviewersPerItem': '12' })).toThrow(ConfigError);
    expect(() => parseConfig({ 'reviewPortal.reviewersPerItem': '12' })).toThrow(
      'reviewPortal.reviewersPerItem: received "12"; expected a value <= 9 and >= 1',
    );
    expect(() => parseConfig({ 'reviewPortal.mfa': 'sometimes' })).toThrow('reviewPortal.mfa: received "sometimes"');
    expect(() => parseConfig({ 'reviewPortal.outputPrefix': 'no-slash' })).toThrow('reviewPortal.outputPrefix');
  });

  it('is registered in the app as <prefix>-ReviewPortal and can be switched off', () => {
    expect(stackOf(realApp(), 'Mlw-ReviewPortal')).toBeInstanceOf(ReviewPortalStack);
    // The active-learning loop and Custom Labels assist review through the portal by default, so switching the portal
    // off needs other back ends.
    expect(
      realApp({
        'reviewPortal.enabled': 'false',
        'activeLearning.review': 'a2i',
        'customLabelsAssist.enabled': 'false',
      }).node.tryFindChild('Mlw-ReviewPortal'),
    ).toBeUndefined();
    expect(() => realApp({ 'reviewPortal.enabled': 'false' })).toThrow(
      /activeLearning\.review: received "portal" but reviewPortal\.enabled is false/,
    );
  });
});

describe('ReviewPortal as an IReviewBackend', () => {
  it('binds a starter with REVIEW_BACKEND=portal, the table and portal id, and only dynamodb:PutItem; consumers match its completion events', () => {
    const app = testApp();
    const portalStackInstance = new ReviewPortalStack(app, 'Portal', { config: parseConfig({}).reviewPortal });
    const backend: IReviewBackend = portalStackInstance.portal;
    const consumer = new Stack(app, 'Consumer');
    const starter = new HandlerFunction(consumer, 'Starter', {
      entry: lambdaEntry('review-portal/claim-task.ts'),
      invocation: 'async',
      serviceName: 'starter',
    });
    backend.bindStarter(starter);
    backend.grantReadOutput(starter);
    new events.Rule(consumer, 'Completed', { eventPattern: backend.completionEventPattern });
    const t = Template.fromStack(consumer);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          REVIEW_BACKEND: 'portal',
          REVIEW_TASK_TABLE: Match.anyValue(),
          REVIEW_PORTAL_ID: Match.anyValue(),
        }),
      },
    });
    const statements = JSON.stringify(t.findResources('AWS::IAM::Policy'));
    expect(statements).toContain('"dynamodb:PutItem"');
    expect(statements).not.toMatch(/dynamodb:(UpdateItem|DeleteItem|Query|Scan|GetItem)/);
    expect(statements).toContain('/review-output/*');
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: [REVIEW_PORTAL_EVENT_SOURCE],
        'detail-type': [REVIEW_PORTAL_DETAIL_TYPE],
        detail: { flowDefinitionArn: [Match.anyValue()] },
      },
    });
    expect(backend.kind).toBe('portal');
  });
});

describe('ReviewPortal validation', () => {
  const build = (props: ReviewPortalProps) => () => new ReviewPortal(new Stack(testApp(), 'S'), 'P', props);
  it.each<[string, ReviewPortalProps, string]>([
    [
      'reviewersPerItem is out of range',
      { reviewersPerItem: 10 },
      'S/P: invalid reviewersPerItem 10: must be between 1 and 9',
    ],
    [
      'leaseDuration is too short',
      { leaseDuration: Duration.seconds(30) },
      'invalid leaseDuration 30: must be between 60 and 28800 seconds',
    ],
    ['maxTaskAge is too long', { maxTaskAge: Duration.days(31) }, 'invalid maxTaskAge 2678400'],
    ['taskRetention is too long', { taskRetention: Duration.days(4000) }, 'invalid taskRetention 4000'],
    [
      'outputPrefix does not end with /',
      { outputPrefix: 'results' },
      'invalid outputPrefix "results": must be empty or an S3 key prefix ending with "/"',
    ],
    ['portalName has capitals', { portalName: 'Review' }, 'invalid portalName "Review"'],
    ['portalName is too long', { portalName: 'a'.repeat(64) }, 'must be at most 63 characters'],
    ['throttling.rateLimit is zero', { throttling: { rateLimit: 0 } }, 'invalid throttling.rateLimit 0'],
    ['throttling.burstLimit is too high', { throttling: { burstLimit: 9999 } }, 'invalid throttling.burstLimit 9999'],
    [
      'an allowed origin has a path',
      { allowedOrigins: ['https://example.com/page'] },
      'invalid allowedOrigins "https://example.com/page"',
    ],
    ['mfa is unknown', { mfa: 'never' as 'required' }, "invalid mfa \"never\": must be 'required' or 'optional'"],
  ])('throws when %s', (_name, props, message) => {
    expect(build(props)).toThrow(message);
  });
});
