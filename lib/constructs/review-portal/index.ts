import {
  ArnFormat,
  Aws,
  DefaultStackSynthesizer,
  DockerImage,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  aws_apigateway as apigw,
  aws_cloudfront as cloudfront,
  aws_cloudfront_origins as origins,
  aws_cloudwatch as cloudwatch,
  aws_cognito as cognito,
  aws_dynamodb as dynamodb,
  aws_events as events,
  aws_events_targets as targets,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_lambda_event_sources as sources,
  aws_logs as logs,
  type aws_s3 as s3,
  aws_s3_deployment as s3deploy,
  type aws_sns as sns,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  QUEUE_INDEX_ATTRIBUTES,
  REVIEWER_GROUP,
  REVIEW_PORTAL_ENV as ENV,
  REVIEW_PORTAL_METRICS as METRICS,
  REVIEW_PORTAL_SERVICE,
  REVIEW_ROUTES,
  TASK_ID_MAX_LENGTH,
  TASK_TABLE,
  WEB_CONFIG_FILE,
  type WebConfig,
} from '../../../lambdas/review-portal/contract';
import { REVIEW_ENV, REVIEW_PORTAL_DETAIL_TYPE, REVIEW_PORTAL_EVENT_SOURCE } from '../../../lambdas/review/contract';
import { ConstructValidationError, validatePattern, validateRange } from '../../shared/errors';
import { grantObjects, nagResourceName } from '../../shared/grants';
import { HandlerFunction, LOG_RETENTION_CONTEXT_KEY, METRICS_NAMESPACE } from '../../shared/handler-function';
import { acknowledge, acknowledgeLibraryFunction } from '../../shared/nag';
import { WorkflowOperations } from '../../shared/operations';
import { lambdaEntry } from '../../shared/paths';
import { type IReviewBackend } from '../../shared/review-backend';
import { AccessLogsBucket, SecureBucket } from '../../shared/secure-bucket';
import { REVIEW_PAGE_SOURCE, buildReviewPage } from './web-page';

/** API throttling of the review API. */
export interface ReviewApiThrottling {
  /**
   * Steady-state requests per second (whole stage).
   * @default 20
   */
  readonly rateLimit?: number;
  /**
   * Burst of requests.
   * @default 40
   */
  readonly burstLimit?: number;
}

/** Props of {@link ReviewPortal}. */
export interface ReviewPortalProps {
  /**
   * Reviewers who must answer each task before it completes (1–9).
   * @default 1
   */
  readonly reviewersPerItem?: number;
  /**
   * How long a claimed task stays reserved for its reviewer (1 minute – 8 hours); then it returns to the queue.
   * @default Duration.minutes(15)
   */
  readonly leaseDuration?: Duration;
  /**
   * Age after which an open task counts as waiting too long (metric and alarm), 5 minutes – 30 days.
   * @default Duration.hours(24)
   */
  readonly maxTaskAge?: Duration;
  /**
   * How long completed tasks stay in the table (DynamoDB TTL), 1–3650 days. Results stay in S3.
   * @default Duration.days(90)
   */
  readonly taskRetention?: Duration;
  /**
   * Bucket that receives the A2I-shaped `output.json` results.
   * @default a new `SecureBucket` (versioned, SSE-S3, access-logged)
   */
  readonly outputBucket?: s3.IBucket;
  /**
   * Key prefix of results: empty or ending with `/`.
   * @default 'review-output/'
   */
  readonly outputPrefix?: string;
  /**
   * The portal's name: the path segment of result keys where A2I puts the flow definition name
   * (`<prefix><name>/YYYY/MM/DD/hh/mm/ss/<task id>/output.json`). Lower-case letters, digits and hyphens, ≤ 63.
   * @default 'review-portal'
   */
  readonly portalName?: string;
  /**
   * API throttling.
   * @default 20 requests per second, bursts of 40
   */
  readonly throttling?: ReviewApiThrottling;
  /**
   * Multi-factor authentication for reviewers (TOTP).
   * @default 'required'
   */
  readonly mfa?: 'required' | 'optional';
  /**
   * More browser origins allowed to call the API (CORS), e.g. `http://localhost:8080` for developing the page.
   * @default only the portal's own CloudFront origin
   */
  readonly allowedOrigins?: string[];
  /**
   * Event bus that receives completion events.
   * @default the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * AWS WAF web ACL (ARN, created in us-east-1 with scope CLOUDFRONT) for the page's distribution.
   * @default no web ACL
   */
  readonly webAclArn?: string;
  /**
   * Topic for the portal's alarms.
   * @default a new topic
   */
  readonly alarmTopic?: sns.ITopic;
}

const PORTAL_NAME = /^[a-z0-9](-*[a-z0-9])*$/;
const ORIGIN = /^https?:\/\/[^/\s]+$/;
const PREFIX = /^$|^[A-Za-z0-9!_.*'()/-]*\/$/;

/**
 * A self-hosted human review back end that any account can deploy (Amazon A2I and Ground Truth are closed to new
 * customers): a queue of review tasks in DynamoDB, an API behind a Cognito user pool (the `reviewers` group) to
 * claim, read, answer and skip tasks, and a small web page on CloudFront. When a task has all its answers its result
 * is written to S3 in exactly the A2I `output.json` shape and announced on EventBridge with an A2I-shaped detail, so
 * consumers read portal and A2I results through one code path.
 *
 * It is an {@link IReviewBackend}: a workflow's review starter is bound with {@link bindStarter} and creates tasks
 * through `lambdas/review/backends/portal.ts`.
 */
export class ReviewPortal extends Construct implements IReviewBackend {
  /** {@link IReviewBackend.kind} */
  public readonly kind = 'portal' as const;
  /** The task table (one item per review batch; a sparse index `ByQueue` of open tasks, oldest first). */
  public readonly table: dynamodb.Table;
  /** Bucket of the A2I-shaped results. */
  public readonly outputBucket: s3.IBucket;
  /** Key prefix of results. */
  public readonly outputPrefix: string;
  /** The portal's identifier, written as `flowDefinitionArn` in results and events (the REST API's ARN). */
  public readonly portalId: string;
  /** Reviewer accounts. */
  public readonly userPool: cognito.UserPool;
  /** The web page's OAuth client (authorization code with PKCE, no secret). */
  public readonly userPoolClient: cognito.UserPoolClient;
  /** The user pool's hosted sign-in domain. */
  public readonly userPoolDomain: cognito.UserPoolDomain;
  /** The review API. */
  public readonly api: apigw.RestApi;
  /** The API's functions by route id (`ClaimTask`, `GetTask`, `SubmitAnswers`, `ReleaseTask`, `QueueStats`). */
  public readonly apiFunctions: Readonly<Record<string, HandlerFunction>>;
  /** Writes results and completion events (task-table stream). */
  public readonly publishFunction: HandlerFunction;
  /** Publishes queue metrics on a schedule. */
  public readonly metricsFunction: HandlerFunction;
  /** Stream records the publisher could not handle after its retries. */
  public readonly publishFailures: sqs.Queue;
  /** Private bucket of the web page (served only through CloudFront with origin access control). */
  public readonly siteBucket: s3.Bucket;
  /** The page's CloudFront distribution. */
  public readonly distribution: cloudfront.Distribution;
  /** `https://<distribution domain>`: where reviewers work. */
  public readonly portalUrl: string;
  /** Dashboard and alarms. */
  public readonly operations: WorkflowOperations;
  /** Alarm: the oldest open task is older than `maxTaskAge`. */
  public readonly taskAgeAlarm: cloudwatch.Alarm;
  /** {@link IReviewBackend.completionEventPattern} */
  public readonly completionEventPattern: events.EventPattern;

  private readonly eventBus: events.IEventBus;

  constructor(scope: Construct, id: string, props: ReviewPortalProps = {}) {
    super(scope, id);
    validateRange(this, 'reviewersPerItem', props.reviewersPerItem, 1, 9);
    validateRange(
      this,
      'leaseDuration',
      props.leaseDuration?.toSeconds(),
      60,
      8 * 3600,
      ' seconds (1 minute to 8 hours)',
    );
    validateRange(
      this,
      'maxTaskAge',
      props.maxTaskAge?.toSeconds(),
      300,
      30 * 86_400,
      ' seconds (5 minutes to 30 days)',
    );
    validateRange(this, 'taskRetention', props.taskRetention?.toDays(), 1, 3650, ' days');
    validatePattern(
      this,
      'outputPrefix',
      props.outputPrefix,
      PREFIX,
      'must be empty or an S3 key prefix ending with "/"',
    );
    validatePattern(
      this,
      'portalName',
      props.portalName,
      PORTAL_NAME,
      'must be lower-case letters, digits and single hyphens',
    );
    if (props.portalName !== undefined && props.portalName.length > TASK_ID_MAX_LENGTH) {
      throw new ConstructValidationError(
        this,
        'portalName',
        props.portalName,
        `must be at most ${TASK_ID_MAX_LENGTH} characters`,
      );
    }
    validateRange(this, 'throttling.rateLimit', props.throttling?.rateLimit, 1, 10_000);
    validateRange(this, 'throttling.burstLimit', props.throttling?.burstLimit, 1, 5_000);
    for (const origin of props.allowedOrigins ?? []) {
      validatePattern(
        this,
        'allowedOrigins',
        origin,
        ORIGIN,
        'each origin must look like https://review.example.com (scheme and host, no path)',
      );
    }
    if (props.mfa !== undefined && props.mfa !== 'required' && props.mfa !== 'optional') {
      throw new ConstructValidationError(this, 'mfa', props.mfa, "must be 'required' or 'optional'");
    }

    const reviewersPerItem = props.reviewersPerItem ?? 1;
    const leaseSeconds = props.leaseDuration?.toSeconds() ?? 900;
    const maxTaskAgeSeconds = props.maxTaskAge?.toSeconds() ?? 86_400;
    const retentionDays = props.taskRetention?.toDays() ?? 90;
    const portalName = props.portalName ?? 'review-portal';
    this.outputPrefix = props.outputPrefix ?? 'review-output/';
    this.eventBus = props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');

    // --- Task queue ---------------------------------------------------------------------------------------------
    this.table = new dynamodb.Table(this, 'Tasks', {
      partitionKey: { name: TASK_TABLE.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TASK_TABLE.TTL_ATTRIBUTE,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TASK_TABLE.QUEUE_INDEX,
      partitionKey: { name: TASK_TABLE.QUEUE_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TASK_TABLE.QUEUE_SORT_KEY, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...QUEUE_INDEX_ATTRIBUTES],
    });
    const queueIndexArn = `${this.table.tableArn}/index/${TASK_TABLE.QUEUE_INDEX}`;
    const grantTable = (grantee: iam.IGrantable, actions: string[], index = false) =>
      iam.Grant.addToPrincipal({ grantee, actions, resourceArns: index ? [queueIndexArn] : [this.table.tableArn] });

    this.outputBucket = props.outputBucket ?? new SecureBucket(this, 'Results');

    // --- Reviewers ------------------------------------------------------------------------------------------------
    const mfaRequired = (props.mfa ?? 'required') === 'required';
    this.userPool = new cognito.UserPool(this, 'Reviewers', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(7),
      },
      mfa: mfaRequired ? cognito.Mfa.REQUIRED : cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      userInvitation: {
        emailSubject: 'You are invited to review items',
        emailBody:
          'You were invited to the review portal. Sign in with your email address {username} and the temporary password {####}; you will choose a new password and set up an authenticator app.',
      },
    });
    acknowledge(
      this.userPool,
      'Threat protection (advanced security) needs the Cognito Plus feature plan, a per-user cost; reviewers are invited by administrators only (no self sign-up), passwords are strong and MFA is required by default.',
      'AwsSolutions-COG3',
      'AwsSolutions-COG8',
    );
    if (!mfaRequired) {
      acknowledge(
        this.userPool,
        'MFA is optional because the operator configured reviewPortal.mfa=optional; TOTP stays available to every reviewer.',
        'AwsSolutions-COG2',
      );
    }
    new cognito.CfnUserPoolGroup(this, 'ReviewersGroup', {
      userPoolId: this.userPool.userPoolId,
      groupName: REVIEWER_GROUP,
      description: 'People allowed to claim and answer review tasks',
    });
    // The hosted sign-in domain needs a globally unique prefix: the stack's own GUID makes one without configuration.
    this.userPoolDomain = this.userPool.addDomain('SignIn', {
      cognitoDomain: { domainPrefix: Fn.join('-', ['review', Fn.select(2, Fn.split('/', Aws.STACK_ID))]) },
    });

    // --- Web page (private bucket behind CloudFront) ----------------------------------------------------------------
    this.siteBucket = new SecureBucket(this, 'Site', { versioned: false, removalPolicy: RemovalPolicy.DESTROY });
    const region = Aws.REGION;
    const securityHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Review portal: strict CSP, HSTS and related headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            `connect-src 'self' https://*.execute-api.${region}.amazonaws.com https://*.auth.${region}.amazoncognito.com`,
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
          ].join('; '),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Review portal web page',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.siteBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
        compress: true,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: AccessLogsBucket.of(this),
      logFilePrefix: 'cloudfront/review-portal/',
      webAclId: props.webAclArn,
    });
    acknowledge(
      this.distribution,
      'The page is for invited reviewers anywhere; every API call needs a Cognito token, so a geographic restriction adds nothing.',
      'AwsSolutions-CFR1',
    );
    if (props.webAclArn === undefined) {
      acknowledge(
        this.distribution,
        'The distribution serves static files only; the data is behind the Cognito-authorized, throttled API. Set reviewPortal webAclArn to attach a CloudFront web ACL.',
        'AwsSolutions-CFR2',
      );
    }
    acknowledge(
      this.distribution,
      'The distribution uses the default *.cloudfront.net certificate (no custom domain), for which CloudFront fixes the viewer TLS policy; attach a custom domain and certificate to set TLSv1.2_2021.',
      'AwsSolutions-CFR4',
    );
    this.portalUrl = `https://${this.distribution.distributionDomainName}`;

    this.userPoolClient = this.userPool.addClient('WebClient', {
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [`${this.portalUrl}/`],
        logoutUrls: [`${this.portalUrl}/`],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      enableTokenRevocation: true,
    });

    // --- API --------------------------------------------------------------------------------------------------------
    const allowedOrigins = [this.portalUrl, ...(props.allowedOrigins ?? [])];
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      removalPolicy: RemovalPolicy.DESTROY,
      retention: retentionOf(this),
    });
    this.api = new apigw.RestApi(this, 'Api', {
      description: 'Review portal API: claim, read, answer and skip review tasks',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
        throttlingRateLimit: props.throttling?.rateLimit ?? 20,
        throttlingBurstLimit: props.throttling?.burstLimit ?? 40,
        tracingEnabled: true,
        metricsEnabled: true,
      },
      defaultCorsPreflightOptions: {
        allowOrigins: allowedOrigins,
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type'],
        maxAge: Duration.hours(1),
      },
    });
    acknowledge(
      this.api.deploymentStage,
      'Execution logging needs the account-wide API Gateway CloudWatch role (AWS::ApiGateway::Account), which one stack must not own for the whole account; access logs (JSON, every request) and Lambda logs are on.',
      'AwsSolutions-APIG6',
    );
    acknowledge(
      this.api.deploymentStage,
      'Every method needs a Cognito token of the reviewers group and the stage is throttled; attach a regional web ACL to the stage where the account uses AWS WAF.',
      'AwsSolutions-APIG3',
    );
    // Error answers from API Gateway itself (401, 403, 429, 5xx) carry CORS headers too, so the page can show them.
    for (const [gid, type] of [
      ['Default4xx', apigw.ResponseType.DEFAULT_4XX],
      ['Default5xx', apigw.ResponseType.DEFAULT_5XX],
    ] as const) {
      this.api.addGatewayResponse(gid, {
        type,
        responseHeaders: { 'Access-Control-Allow-Origin': `'${this.portalUrl}'`, Vary: "'Origin'" },
      });
    }
    const authorizer = new apigw.CognitoUserPoolsAuthorizer(this, 'Authorizer', { cognitoUserPools: [this.userPool] });
    const validator = new apigw.RequestValidator(this, 'Validator', {
      restApi: this.api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const submissionModel = this.api.addModel('Submission', {
      contentType: 'application/json',
      description: 'Answers: textCategory<index> → a category, or a list of categories for multi-label tasks',
      schema: {
        schema: apigw.JsonSchemaVersion.DRAFT4,
        type: apigw.JsonSchemaType.OBJECT,
        required: ['answers'],
        additionalProperties: false,
        properties: {
          answers: {
            type: apigw.JsonSchemaType.OBJECT,
            minProperties: 1,
            additionalProperties: false,
            patternProperties: {
              '^textCategory[0-9]+$': {
                oneOf: [
                  { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: 1000 },
                  {
                    type: apigw.JsonSchemaType.ARRAY,
                    minItems: 1,
                    items: { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: 1000 },
                  },
                ],
              },
            },
          },
        },
      },
    });

    const apiEnvironment: Record<string, string> = {
      [ENV.REVIEWERS_PER_ITEM]: String(reviewersPerItem),
      [ENV.LEASE_SECONDS]: String(leaseSeconds),
      [ENV.RETENTION_DAYS]: String(retentionDays),
      [ENV.MAX_TASK_AGE_SECONDS]: String(maxTaskAgeSeconds),
      [ENV.REVIEWER_GROUP]: REVIEWER_GROUP,
    };
    const functions: Record<string, HandlerFunction> = {};
    for (const route of REVIEW_ROUTES) {
      const fn = new HandlerFunction(this, route.id, {
        entry: lambdaEntry(`review-portal/${route.handler}.ts`),
        invocation: 'sync',
        serviceName: REVIEW_PORTAL_SERVICE,
        description: `Review portal API: ${route.method} ${route.path}`,
        timeout: Duration.seconds(10),
        environment: { ...apiEnvironment, [ENV.ALLOWED_ORIGINS]: allowedOrigins.join(',') },
      });
      fn.bind(ENV.TASK_TABLE, this.table.tableName, (g) => {
        switch (route.handler) {
          case 'claim-task':
            grantTable(g, ['dynamodb:Query'], true);
            grantTable(g, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
            break;
          case 'queue-stats':
            grantTable(g, ['dynamodb:Query'], true);
            break;
          case 'get-task':
            grantTable(g, ['dynamodb:GetItem']);
            break;
          default:
            grantTable(g, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
        }
      });
      const resource = this.api.root.resourceForPath(route.path);
      const hasTaskId = route.path.includes('{taskId}');
      resource.addMethod(route.method, new apigw.LambdaIntegration(fn), {
        authorizer,
        authorizationType: apigw.AuthorizationType.COGNITO,
        requestValidator: validator,
        requestParameters: hasTaskId ? { 'method.request.path.taskId': true } : undefined,
        requestModels: route.handler === 'submit-answers' ? { 'application/json': submissionModel } : undefined,
      });
      functions[route.id] = fn;
    }
    this.apiFunctions = functions;
    // CORS preflight (OPTIONS) is answered by API Gateway itself and must work before sign-in.
    for (const path of new Set(REVIEW_ROUTES.map((r) => r.path).flatMap(parents))) {
      const options = this.api.root.resourceForPath(path).node.tryFindChild('OPTIONS');
      if (options) {
        acknowledge(
          options,
          'CORS preflight (OPTIONS) is a mock integration answered by API Gateway; browsers send it without credentials, so it cannot require a token.',
          'AwsSolutions-APIG4',
          'AwsSolutions-COG4',
        );
      }
    }
    this.portalId = Stack.of(this).formatArn({
      service: 'apigateway',
      account: '',
      resource: '/restapis',
      resourceName: this.api.restApiId,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.completionEventPattern = {
      source: [REVIEW_PORTAL_EVENT_SOURCE],
      detailType: [REVIEW_PORTAL_DETAIL_TYPE],
      detail: { flowDefinitionArn: [this.portalId] },
    };

    // --- Results: task-table stream → output.json + completion event ---------------------------------------------------
    this.publishFailures = new sqs.Queue(this, 'PublishFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.publishFailures,
      'This queue is the on-failure destination of the result publisher; it has no further redrive.',
      'AwsSolutions-SQS3',
      'Serverless-SQSRedrivePolicy',
    );
    this.publishFunction = new HandlerFunction(this, 'PublishResults', {
      entry: lambdaEntry('review-portal/publish-results.ts'),
      invocation: 'event-source',
      serviceName: REVIEW_PORTAL_SERVICE,
      description: 'Review portal: writes completed tasks as A2I-shaped output.json and publishes completion events',
      timeout: Duration.seconds(60),
      environment: {
        [ENV.TASK_TABLE]: this.table.tableName,
        [ENV.OUTPUT_PREFIX]: this.outputPrefix,
        [ENV.PORTAL_NAME]: portalName,
        [ENV.PORTAL_ID]: this.portalId,
      },
    })
      .bind(ENV.OUTPUT_BUCKET, this.outputBucket.bucketName, (g) =>
        grantObjects(this.outputBucket, g, 'write', `${this.outputPrefix}*`),
      )
      .bind(ENV.EVENT_BUS, this.eventBus.eventBusName, (g) => this.eventBus.grantPutEventsTo(g));
    this.publishFunction.addEventSource(
      new sources.DynamoEventSource(this.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        bisectBatchOnError: true,
        retryAttempts: 8,
        maxRecordAge: Duration.days(1),
        reportBatchItemFailures: true,
        onFailure: new sources.SqsDlq(this.publishFailures),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: equals('MODIFY'),
            dynamodb: { NewImage: { status: { S: equals('COMPLETED') } }, OldImage: { status: { S: equals('OPEN') } } },
          }),
        ],
      }),
    );
    acknowledge(
      this.publishFunction.role!,
      'dynamodb:ListStreams has no resource-level permission (Resource "*" is required); the stream read actions themselves are limited to the task table stream.',
      'AwsSolutions-IAM5[Resource::*]',
    );

    // --- Queue metrics on a schedule --------------------------------------------------------------------------------
    this.metricsFunction = new HandlerFunction(this, 'QueueMetrics', {
      entry: lambdaEntry('review-portal/queue-metrics.ts'),
      invocation: 'async',
      serviceName: REVIEW_PORTAL_SERVICE,
      description: 'Review portal: publishes queue depth and oldest task age',
      timeout: Duration.seconds(60),
      environment: apiEnvironment,
    }).bind(ENV.TASK_TABLE, this.table.tableName, (g) => grantTable(g, ['dynamodb:Query'], true));
    new events.Rule(this, 'MeasureQueue', {
      description: 'Measure the review queue every 5 minutes',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [
        new targets.LambdaFunction(this.metricsFunction, {
          retryAttempts: 2,
          maxEventAge: Duration.minutes(10),
          deadLetterQueue: this.metricsFunction.deadLetterQueue,
        }),
      ],
    });

    // --- Page deployment: built at synth time with esbuild, config.json generated at deploy time ----------------------
    const webConfig: WebConfig = {
      apiUrl: this.api.url,
      region,
      userPoolId: this.userPool.userPoolId,
      userPoolClientId: this.userPoolClient.userPoolClientId,
      cognitoDomain: `https://${this.userPoolDomain.domainName}.auth.${region}.amazoncognito.com`,
    };
    const deployment = new s3deploy.BucketDeployment(this, 'SiteDeployment', {
      sources: [
        s3deploy.Source.asset(REVIEW_PAGE_SOURCE, {
          bundling: {
            // Docker is never used: the local esbuild build always succeeds or throws.
            image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24-slim'),
            local: {
              tryBundle(outputDir: string): boolean {
                buildReviewPage(outputDir);
                return true;
              },
            },
          },
        }),
        s3deploy.Source.jsonData(WEB_CONFIG_FILE, webConfig),
      ],
      destinationBucket: this.siteBucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      cacheControl: [s3deploy.CacheControl.noCache()],
      prune: true,
      memoryLimit: 256,
    });
    acknowledgeDeployment(this, deployment, this.siteBucket);

    // --- Operations -------------------------------------------------------------------------------------------------
    this.operations = new WorkflowOperations(this, 'Operations', {
      title: 'Review portal',
      alarmTopic: props.alarmTopic,
    });
    const metric = (metricName: string, statistic: string, period: Duration, label?: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: REVIEW_PORTAL_SERVICE, portal: this.table.tableName },
        statistic,
        period,
        label,
      });
    const oldestAge = metric(METRICS.OLDEST_TASK_AGE, 'Maximum', Duration.minutes(5));
    this.operations.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Queue depth',
        left: [
          metric(METRICS.QUEUE_DEPTH, 'Maximum', Duration.minutes(5), 'open tasks'),
          metric(METRICS.LEASED_TASKS, 'Maximum', Duration.minutes(5), 'being reviewed'),
          metric(METRICS.TASKS_WAITING_TOO_LONG, 'Maximum', Duration.minutes(5), 'waiting too long'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Age of the oldest task',
        left: [oldestAge.with({ label: 'oldest task age (s)' })],
        leftAnnotations: [{ value: maxTaskAgeSeconds, label: 'alarm threshold', color: '#d62728' }],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Answers per hour',
        left: [
          metric(METRICS.ANSWERS_SUBMITTED, 'Sum', Duration.hours(1), 'answers'),
          metric(METRICS.TASKS_COMPLETED, 'Sum', Duration.hours(1), 'tasks completed'),
          metric(METRICS.TASKS_CLAIMED, 'Sum', Duration.hours(1), 'tasks claimed'),
        ],
        width: 8,
      }),
    );
    this.taskAgeAlarm = this.operations.addAlarm(
      oldestAge.createAlarm(this, 'TasksWaitingTooLongAlarm', {
        alarmDescription: `A review task has waited more than ${maxTaskAgeSeconds / 3600} hours: invite more reviewers or check the portal.`,
        threshold: maxTaskAgeSeconds,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    this.operations.addAlarm(
      this.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }).createAlarm(this, 'Api5xxAlarm', {
        alarmDescription: 'The review API answered with 5xx errors: see the function logs.',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    for (const [fid, fn] of Object.entries(functions)) this.operations.addFunction(fid, fn);
    this.operations.addFunction('PublishResults', this.publishFunction);
    this.operations.addFunction('QueueMetrics', this.metricsFunction);
    this.operations.addDeadLetterQueue('PublishFailures', this.publishFailures);
    if (this.metricsFunction.deadLetterQueue)
      this.operations.addDeadLetterQueue('QueueMetricsDlq', this.metricsFunction.deadLetterQueue);
  }

  /**
   * {@link IReviewBackend.bindStarter}: `REVIEW_BACKEND=portal`, the task table and the portal id in the starter's
   * environment, and `dynamodb:PutItem` on the task table (the conditional create; nothing else).
   */
  public bindStarter(starter: HandlerFunction): void {
    starter.addEnvironment(REVIEW_ENV.BACKEND, this.kind);
    starter.addEnvironment(REVIEW_ENV.PORTAL_ID, this.portalId);
    starter.bind(REVIEW_ENV.TASK_TABLE, this.table.tableName, (g) =>
      iam.Grant.addToPrincipal({ grantee: g, actions: ['dynamodb:PutItem'], resourceArns: [this.table.tableArn] }),
    );
  }

  /** {@link IReviewBackend.grantReadOutput}: read the results under the output prefix. */
  public grantReadOutput(grantee: iam.IGrantable): void {
    grantObjects(this.outputBucket, grantee, 'read', `${this.outputPrefix}*`);
  }

  /** Grant creating tasks directly (tooling such as `mlw review`), without binding a starter's environment. */
  public grantCreateTasks(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:PutItem'], resourceArns: [this.table.tableArn] });
  }
}

/** An event-filter equality rule (typed: `FilterRule.isEqual` returns `any`). */
function equals(value: string): unknown {
  return lambda.FilterRule.isEqual(value) as unknown;
}

/** The path and its parents: `/tasks/{taskId}/answers` → `/tasks`, `/tasks/{taskId}`, `/tasks/{taskId}/answers`. */
function parents(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

function retentionOf(scope: Construct): logs.RetentionDays {
  const days: unknown = scope.node.tryGetContext(LOG_RETENTION_CONTEXT_KEY);
  return typeof days === 'number' ? days : logs.RetentionDays.ONE_MONTH;
}

/** Acknowledge the findings of CDK's BucketDeployment provider (an AWS-maintained singleton function), each with its reason. */
function acknowledgeDeployment(scope: Construct, deployment: s3deploy.BucketDeployment, siteBucket: s3.IBucket): void {
  const stack = Stack.of(scope);
  const provider = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
  const reason = (what: string) =>
    `CDK BucketDeployment provider (aws-cdk-lib, runs only during deployment to copy the built page and config.json): ${what}`;
  acknowledge(
    deployment.handlerRole,
    reason('its role uses AWSLambdaBasicExecutionRole for its own logs.'),
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  );
  const qualifier =
    (stack.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') as string | undefined) ??
    DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  acknowledge(
    deployment.handlerRole,
    reason(
      'CDK grants it s3:GetObject*/GetBucket*/List* on the CDK asset bucket and s3:DeleteObject*/Abort* on the site bucket to copy and prune the files, and cloudfront:CreateInvalidation, which has no resource-level scoping in that grant.',
    ),
    'AwsSolutions-IAM5[Action::s3:GetObject*]',
    'AwsSolutions-IAM5[Action::s3:GetBucket*]',
    'AwsSolutions-IAM5[Action::s3:List*]',
    'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
    'AwsSolutions-IAM5[Action::s3:Abort*]',
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*]`,
    `AwsSolutions-IAM5[Resource::${nagResourceName(siteBucket, siteBucket.bucketArn)}/*]`,
    'AwsSolutions-IAM5[Resource::*]',
  );
  if (provider) {
    acknowledgeLibraryFunction(
      provider,
      reason(
        'its runtime, memory, tracing and failure handling are chosen by aws-cdk-lib; CloudFormation reports its failures.',
      ),
    );
  }
}
