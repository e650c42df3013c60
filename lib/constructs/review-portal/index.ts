import {
  ArnFormat,
  Aws,
  type Duration,
  Lazy,
  Stack,
  type aws_apigateway as apigw,
  type aws_cloudfront as cloudfront,
  type aws_cloudwatch as cloudwatch,
  type aws_cognito as cognito,
  type aws_dynamodb as dynamodb,
  aws_events as events,
  type aws_iam as iam,
  type aws_s3 as s3,
  type aws_sns as sns,
  type aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  DEFAULT_PORTAL_NAME,
  REVIEWER_GROUP,
  REVIEW_PORTAL_ENV as ENV,
  TASK_ID_MAX_LENGTH,
  type WebConfig,
} from '../../../lambdas/review-portal/contract';
import { REVIEW_ENV, REVIEW_PORTAL_DETAIL_TYPE, REVIEW_PORTAL_EVENT_SOURCE } from '../../../lambdas/review/contract';
import { ConstructValidationError, validatePattern, validateRange } from '../../shared/errors';
import { grantObjects } from '../../shared/grants';
import { type HandlerFunction } from '../../shared/handler-function';
import { type WorkflowOperations } from '../../shared/operations';
import { type IReviewBackend } from '../../shared/review-backend';
import { SecureBucket } from '../../shared/secure-bucket';
import { createReviewApi } from './api';
import { createPortalOperations } from './dashboard';
import { bindImageBuckets, createImageStore, imageOrigins } from './images';
import { createPublisher } from './publisher';
import { createQueueMetrics } from './queue-metrics';
import { addWebClient, createReviewers } from './reviewers';
import { createSite, deploySite } from './site';
import { createTaskTable, grantTaskTable } from './task-table';

export { submissionSchema } from './api';
export { contentSecurityPolicy, type PageConnections } from './site';

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
   * @default `DEFAULT_PORTAL_NAME` (`review-portal`)
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
  /**
   * Create the portal's own image bucket (`imagesBucket`) for image tasks (`bounding-box-verification`): workflows put
   * the images to review there; the page shows them through short-lived presigned URLs.
   * @default false
   */
  readonly imageStore?: boolean;
  /**
   * More buckets whose images reviewers may see (image tasks). Only images in these buckets and the portal's own image
   * bucket get a URL; the API functions that show tasks may read exactly these. Their CORS is the owner's to set.
   * @default none
   */
  readonly imageBuckets?: s3.IBucket[];
}

/**
 * A self-hosted human review back end that any account can deploy (Amazon A2I and Ground Truth are closed to new
 * customers): a queue of review tasks in DynamoDB, an API behind a Cognito user pool (the `reviewers` group) to
 * claim, read, answer and skip tasks, and a small web page on CloudFront. When a task has all its answers its result
 * is written to S3 in exactly the A2I `output.json` shape and announced on EventBridge with an A2I-shaped detail, so
 * consumers read portal and A2I results through one code path.
 *
 * It is an {@link IReviewBackend}: a workflow's review starter is bound with {@link bindStarter} and creates tasks
 * through `lambdas/review/adapters/portal.ts`.
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
  /** The portal's own image bucket (with `imageStore`). */
  public readonly imagesBucket?: s3.Bucket;
  /** Every bucket whose images the page may show (the image store first). */
  public readonly imageBuckets: readonly s3.IBucket[];

  private readonly eventBus: events.IEventBus;

  constructor(scope: Construct, id: string, props: ReviewPortalProps = {}) {
    super(scope, id);
    validate(this, props);
    const reviewersPerItem = props.reviewersPerItem ?? 1;
    const leaseSeconds = props.leaseDuration?.toSeconds() ?? 900;
    const maxTaskAgeSeconds = props.maxTaskAge?.toSeconds() ?? 86_400;
    const retentionDays = props.taskRetention?.toDays() ?? 90;
    const portalName = props.portalName ?? DEFAULT_PORTAL_NAME;
    this.outputPrefix = props.outputPrefix ?? 'review-output/';
    this.eventBus = props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');

    this.table = createTaskTable(this);
    this.outputBucket = props.outputBucket ?? new SecureBucket(this, 'Results');
    const reviewers = createReviewers(this, props.mfa ?? 'required');
    this.userPool = reviewers.userPool;
    this.userPoolDomain = reviewers.domain;

    // The API allows the page's origin (CORS) and the page's CSP allows the API: the distribution's domain reaches
    // the API's CORS settings lazily, after the distribution exists.
    const page: { url?: string } = {};
    const portalUrl = Lazy.string({ produce: () => page.url });
    const apiEnvironment: Record<string, string> = {
      [ENV.REVIEWERS_PER_ITEM]: String(reviewersPerItem),
      [ENV.LEASE_SECONDS]: String(leaseSeconds),
      [ENV.RETENTION_DAYS]: String(retentionDays),
      [ENV.MAX_TASK_AGE_SECONDS]: String(maxTaskAgeSeconds),
      [ENV.REVIEWER_GROUP]: REVIEWER_GROUP,
    };
    const reviewApi = createReviewApi(this, {
      table: this.table,
      userPool: this.userPool,
      portalUrl,
      allowedOrigins: [portalUrl, ...(props.allowedOrigins ?? [])],
      rateLimit: props.throttling?.rateLimit ?? 20,
      burstLimit: props.throttling?.burstLimit ?? 40,
      environment: apiEnvironment,
    });
    this.api = reviewApi.api;
    this.apiFunctions = reviewApi.functions;

    this.imagesBucket = props.imageStore ? createImageStore(this, props.allowedOrigins ?? []) : undefined;
    this.imageBuckets = [...(this.imagesBucket ? [this.imagesBucket] : []), ...(props.imageBuckets ?? [])];
    bindImageBuckets(
      VIEW_ROUTES.map((id) => this.apiFunctions[id]!),
      this.imageBuckets,
    );

    const site = createSite(this, {
      webAclArn: props.webAclArn,
      connections: {
        apiOrigin: `https://${this.api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`,
        signInOrigin: reviewers.signInUrl,
        imageOrigins: imageOrigins(this.imageBuckets),
      },
    });
    page.url = site.url;
    this.siteBucket = site.bucket;
    this.distribution = site.distribution;
    this.portalUrl = site.url;
    this.userPoolClient = addWebClient(this.userPool, this.portalUrl);

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

    const publisher = createPublisher(this, {
      table: this.table,
      outputBucket: this.outputBucket,
      outputPrefix: this.outputPrefix,
      portalName,
      portalId: this.portalId,
      eventBus: this.eventBus,
    });
    this.publishFunction = publisher.fn;
    this.publishFailures = publisher.failures;
    this.metricsFunction = createQueueMetrics(this, this.table, apiEnvironment);

    const webConfig: WebConfig = {
      apiUrl: this.api.url,
      region: Aws.REGION,
      userPoolId: this.userPool.userPoolId,
      userPoolClientId: this.userPoolClient.userPoolClientId,
      cognitoDomain: reviewers.signInUrl,
    };
    deploySite(this, site, webConfig);

    const ops = createPortalOperations(this, {
      tableName: this.table.tableName,
      api: this.api,
      apiFunctions: this.apiFunctions,
      publisher,
      metricsFunction: this.metricsFunction,
      maxTaskAgeSeconds,
      alarmTopic: props.alarmTopic,
    });
    this.operations = ops.operations;
    this.taskAgeAlarm = ops.taskAgeAlarm;
  }

  /**
   * {@link IReviewBackend.bindStarter}: `REVIEW_BACKEND=portal`, the task table and the portal id in the starter's
   * environment, and `dynamodb:PutItem` on the task table (the conditional create; nothing else).
   */
  public bindStarter(starter: HandlerFunction): void {
    starter.addEnvironment(REVIEW_ENV.BACKEND, this.kind);
    starter.addEnvironment(REVIEW_ENV.PORTAL_ID, this.portalId);
    starter.bind(REVIEW_ENV.TASK_TABLE, this.table.tableName, (g) => this.grantCreateTasks(g));
  }

  /** {@link IReviewBackend.grantReadOutput}: read the results under the output prefix. */
  public grantReadOutput(grantee: iam.IGrantable): void {
    grantObjects(this.outputBucket, grantee, 'read', `${this.outputPrefix}*`);
  }

  /** Grant creating tasks directly (tooling such as `mlw review`), without binding a starter's environment. */
  public grantCreateTasks(grantee: iam.IGrantable): void {
    grantTaskTable(this.table, grantee, ['dynamodb:PutItem']);
  }
}

/** The API routes whose answers are task views (and so carry image URLs). */
const VIEW_ROUTES = ['ClaimTask', 'GetTask'] as const;
const PORTAL_NAME = /^[a-z0-9](-*[a-z0-9])*$/;
const ORIGIN = /^https?:\/\/[^/\s]+$/;
const PREFIX = /^$|^[A-Za-z0-9!_.*'()/-]*\/$/;

/** The validation block of {@link ReviewPortal}: every prop range and pattern, with the fix. */
function validate(scope: Construct, props: ReviewPortalProps): void {
  validateRange(scope, 'reviewersPerItem', props.reviewersPerItem, 1, 9);
  validateRange(
    scope,
    'leaseDuration',
    props.leaseDuration?.toSeconds(),
    60,
    8 * 3600,
    ' seconds (1 minute to 8 hours)',
  );
  validateRange(
    scope,
    'maxTaskAge',
    props.maxTaskAge?.toSeconds(),
    300,
    30 * 86_400,
    ' seconds (5 minutes to 30 days)',
  );
  validateRange(scope, 'taskRetention', props.taskRetention?.toDays(), 1, 3650, ' days');
  validatePattern(
    scope,
    'outputPrefix',
    props.outputPrefix,
    PREFIX,
    'must be empty or an S3 key prefix ending with "/"',
  );
  validatePattern(
    scope,
    'portalName',
    props.portalName,
    PORTAL_NAME,
    'must be lower-case letters, digits and single hyphens',
  );
  if (props.portalName !== undefined && props.portalName.length > TASK_ID_MAX_LENGTH) {
    throw new ConstructValidationError(
      scope,
      'portalName',
      props.portalName,
      `must be at most ${TASK_ID_MAX_LENGTH} characters`,
    );
  }
  validateRange(scope, 'throttling.rateLimit', props.throttling?.rateLimit, 1, 10_000);
  validateRange(scope, 'throttling.burstLimit', props.throttling?.burstLimit, 1, 5_000);
  for (const origin of props.allowedOrigins ?? []) {
    validatePattern(
      scope,
      'allowedOrigins',
      origin,
      ORIGIN,
      'each origin must look like https://review.example.com (scheme and host, no path)',
    );
  }
  if (props.mfa !== undefined && props.mfa !== 'required' && props.mfa !== 'optional') {
    throw new ConstructValidationError(scope, 'mfa', props.mfa, "must be 'required' or 'optional'");
  }
}
