import {
  ArnFormat,
  Duration,
  RemovalPolicy,
  Stack,
  aws_apigateway as apigw,
  aws_cloudwatch as cloudwatch,
  aws_events as events,
  aws_events_targets as targets,
  aws_iam as iam,
  aws_kinesisfirehose as firehose,
  aws_logs as logs,
  type aws_sns as sns,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  AL_ENV,
  AL_METRICS,
  DATA_PREFIX,
  DEFAULT_CATEGORIES,
  LIMITS,
  UPLOAD_PREFIX,
} from '../../../lambdas/active-learning/contract';
import { ConstructValidationError, validateExclusive, validateRange } from '../../shared/errors';
import { grantObjects } from '../../shared/grants';
import { HandlerFunction, METRICS_NAMESPACE } from '../../shared/handler-function';
import { acknowledge } from '../../shared/nag';
import { WorkflowOperations } from '../../shared/operations';
import { lambdaEntry } from '../../shared/paths';
import { type IReviewBackend } from '../../shared/review-backend';
import { SecureBucket } from '../../shared/secure-bucket';
import { A2iReview, type A2iReviewProps } from './a2i-review';
import { ClassifierEndpoint, type ClassifierEndpointOptions } from './classifier-endpoint';

export { A2iReview, type A2iReviewProps } from './a2i-review';
export { ClassifierEndpoint, type ClassifierEndpointOptions } from './classifier-endpoint';

/** API options of {@link ActiveLearningLoop}. */
export interface ActiveLearningApiOptions {
  /**
   * Requests per month allowed to the API key.
   * @default 2000
   */
  readonly quotaPerMonth?: number;
  /**
   * Steady requests per second (usage plan and stage).
   * @default 10
   */
  readonly rateLimit?: number;
  /**
   * Request burst (usage plan and stage).
   * @default 20
   */
  readonly burstLimit?: number;
  /**
   * Origins allowed by CORS (exact origins, no wildcard).
   * @default none: no CORS headers and no preflight methods
   */
  readonly allowedOrigins?: readonly string[];
}

/** Props of {@link ActiveLearningLoop}. */
export interface ActiveLearningLoopProps {
  /**
   * Where the Comprehend endpoint comes from.
   * @default `{ mode: 'ssm-parameter' }`: an SSM parameter created with a placeholder (no manual step before the first deployment)
   */
  readonly classifier?: ClassifierEndpointOptions;
  /**
   * Classifications scoring below this write implicit feedback (0-1).
   * @default 0.5
   */
  readonly threshold?: number;
  /**
   * Categories reviewers choose from (the classifier's labels).
   * @default BILLING, TECHNICAL_ISSUE, ACCOUNT, PRODUCT_FEEDBACK, OTHER
   */
  readonly categories?: readonly string[];
  /**
   * Multi-label classifier: reviewers may choose several categories.
   * @default false
   */
  readonly multiLabel?: boolean;
  /**
   * Items per human review.
   * @default 10
   */
  readonly maxItemsPerReview?: number;
  /**
   * The human-review back end (A2I, or the review portal).
   * @default an {@link A2iReview} created here with `a2i`, writing under `review-output/` of the data bucket
   */
  readonly reviewBackend?: IReviewBackend;
  /**
   * Options of the A2I back end created when `reviewBackend` is not given.
   * @default A2iReview defaults
   */
  readonly a2i?: Omit<A2iReviewProps, 'outputBucket' | 'outputPrefix'>;
  /**
   * API options.
   * @default quota 2,000 requests a month, 10 requests/s, burst 20, no CORS
   */
  readonly api?: ActiveLearningApiOptions;
  /**
   * How long Firehose buffers feedback before writing an object (0-900 s).
   * @default Duration.seconds(60)
   */
  readonly feedbackBuffering?: Duration;
  /**
   * Expire batch uploads (and their reports and markers) after this long.
   * @default Duration.days(90)
   */
  readonly uploadExpiration?: Duration;
  /**
   * Topic for the workflow's alarms.
   * @default a new topic
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The active-learning feedback loop for a Comprehend custom classifier:
 * - `POST /classify` (Comprehend `ClassifyDocument`; low-confidence answers become implicit feedback) and
 *   `POST /feedback` (explicit feedback), behind an API key, usage plan, request validation and access logs;
 * - batch feedback files (`*.json`) uploaded to a bucket, validated and fanned out with `PutRecordBatch`;
 * - one Firehose stream writing every feedback record, newline-delimited, to the data bucket;
 * - human review of each feedback object through a pluggable {@link IReviewBackend} (A2I by default);
 * - reviewed answers consolidated by majority vote into Comprehend training CSV under `training-data/`;
 * - a dashboard and alarms (API 5xx, Firehose delivery, dead-letter queues, failed reviews, lost implicit feedback).
 */
export class ActiveLearningLoop extends Construct {
  /** The REST API. */
  public readonly api: apigw.RestApi;
  /** The API key the usage plan admits. */
  public readonly apiKey: apigw.IApiKey;
  /** The usage plan (quota and throttling). */
  public readonly usagePlan: apigw.UsagePlan;
  /** Feedback records, review batches and reports, review output (A2I) and training data. */
  public readonly dataBucket: SecureBucket;
  /** Batch-feedback uploads (`*.json`), their error reports and processed markers. */
  public readonly uploadBucket: SecureBucket;
  /** The feedback stream. */
  public readonly deliveryStream: firehose.CfnDeliveryStream;
  /** Classifier endpoint wiring. */
  public readonly classifier: ClassifierEndpoint;
  /** The review back end in use. */
  public readonly reviewBackend: IReviewBackend;
  /** Functions. */
  public readonly classifyFunction: HandlerFunction;
  public readonly feedbackFunction: HandlerFunction;
  public readonly batchFeedbackFunction: HandlerFunction;
  public readonly startReviewFunction: HandlerFunction;
  public readonly consolidateFunction: HandlerFunction;
  /** Dashboard and alarms. */
  public readonly operations: WorkflowOperations;
  /** S3 URI prefix of the training data (`s3://<data bucket>/training-data/`). */
  public readonly trainingDataUri: string;

  constructor(scope: Construct, id: string, props: ActiveLearningLoopProps = {}) {
    super(scope, id);
    // Validate first.
    validateRange(this, 'threshold', props.threshold, 0, 1);
    validateRange(this, 'maxItemsPerReview', props.maxItemsPerReview, 1, 100);
    validateRange(this, 'feedbackBuffering', props.feedbackBuffering?.toSeconds(), 0, 900, ' seconds');
    validateRange(this, 'uploadExpiration', props.uploadExpiration?.toDays(), 1, 3650, ' days');
    validateRange(this, 'api.quotaPerMonth', props.api?.quotaPerMonth, 1, 1_000_000_000);
    validateRange(this, 'api.rateLimit', props.api?.rateLimit, 1, 10000);
    validateRange(this, 'api.burstLimit', props.api?.burstLimit, 1, 5000);
    validateExclusive(this, { reviewBackend: props.reviewBackend, a2i: props.a2i });
    const categories = [...(props.categories ?? DEFAULT_CATEGORIES)];
    if (categories.length === 0)
      throw new ConstructValidationError(this, 'categories', categories, 'give at least one category');
    const badCategory = categories.find((c) => !/^[^|,\r\n"]{1,100}$/.test(c));
    if (badCategory !== undefined)
      throw new ConstructValidationError(
        this,
        'categories',
        badCategory,
        'categories are 1-100 characters without "|", ",", quotes or line breaks',
      );
    if (new Set(categories).size !== categories.length)
      throw new ConstructValidationError(this, 'categories', categories, 'categories must be distinct');
    const origins = [...(props.api?.allowedOrigins ?? [])];
    const badOrigin = origins.find((o) => !/^https?:\/\/[^/*\s]+$/.test(o));
    if (badOrigin !== undefined)
      throw new ConstructValidationError(
        this,
        'api.allowedOrigins',
        badOrigin,
        'origins are exact, e.g. https://app.example.com (no wildcard, no path)',
      );
    if (
      props.classifier?.mode === 'create' &&
      props.classifier.multiLabel !== undefined &&
      props.classifier.multiLabel !== (props.multiLabel ?? false)
    ) {
      throw new ConstructValidationError(
        this,
        'classifier.multiLabel',
        props.classifier.multiLabel,
        'must match multiLabel',
      );
    }
    const multiLabel = props.multiLabel ?? false;
    const threshold = props.threshold ?? 0.5;

    // Storage.
    this.dataBucket = new SecureBucket(this, 'DataBucket', { eventBridgeEnabled: true });
    this.uploadBucket = new SecureBucket(this, 'UploadBucket', {
      eventBridgeEnabled: true,
      expireAfter: props.uploadExpiration ?? Duration.days(90),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.trainingDataUri = `s3://${this.dataBucket.bucketName}/${DATA_PREFIX.TRAINING_DATA}`;

    // Feedback stream: Firehose → data bucket, newline-delimited records (the writers end each record with "\n").
    this.deliveryStream = this.feedbackStream(props.feedbackBuffering ?? Duration.seconds(60));
    const streamArn = this.deliveryStream.attrArn;
    const grantPut = (actions: string[]) => (grantee: iam.IGrantable) =>
      iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [streamArn] });

    // Classification.
    this.classifier = new ClassifierEndpoint(
      this,
      'Classifier',
      props.classifier?.mode === 'create'
        ? { ...props.classifier, multiLabel }
        : (props.classifier ?? { mode: 'ssm-parameter' }),
    );
    this.classifyFunction = new HandlerFunction(this, 'Classify', {
      entry: lambdaEntry('active-learning/classify.ts'),
      invocation: 'sync',
      serviceName: 'active-learning-classify',
      description: 'POST /classify: Comprehend ClassifyDocument; low-confidence answers become implicit feedback',
      timeout: Duration.seconds(10),
      environment: { [AL_ENV.THRESHOLD]: String(threshold), [AL_ENV.ALLOWED_ORIGINS]: origins.join(',') },
    }).bind(AL_ENV.DELIVERY_STREAM, this.deliveryStream.ref, grantPut(['firehose:PutRecord']));
    this.classifier.bind(this.classifyFunction);

    this.feedbackFunction = new HandlerFunction(this, 'Feedback', {
      entry: lambdaEntry('active-learning/feedback.ts'),
      invocation: 'sync',
      serviceName: 'active-learning-feedback',
      description: 'POST /feedback: one explicit-feedback record to Firehose',
      timeout: Duration.seconds(10),
      environment: { [AL_ENV.CATEGORIES]: categories.join(','), [AL_ENV.ALLOWED_ORIGINS]: origins.join(',') },
    }).bind(AL_ENV.DELIVERY_STREAM, this.deliveryStream.ref, grantPut(['firehose:PutRecord']));

    this.batchFeedbackFunction = new HandlerFunction(this, 'BatchFeedback', {
      entry: lambdaEntry('active-learning/batch-feedback.ts'),
      invocation: 'async',
      serviceName: 'active-learning-batch-feedback',
      description: 'Validates batch-feedback uploads and fans them out to Firehose (PutRecordBatch)',
      timeout: Duration.minutes(15),
      memorySize: 1024,
    })
      .bind(AL_ENV.DELIVERY_STREAM, this.deliveryStream.ref, grantPut(['firehose:PutRecordBatch']))
      .bind(AL_ENV.UPLOAD_BUCKET, this.uploadBucket.bucketName, (g) => {
        grantObjects(this.uploadBucket, g, 'read', '*', true);
        grantObjects(this.uploadBucket, g, 'write', `${UPLOAD_PREFIX.ERRORS}*`);
        grantObjects(this.uploadBucket, g, 'write', `${UPLOAD_PREFIX.PROCESSED}*`);
      });

    // Human review.
    this.reviewBackend =
      props.reviewBackend ??
      new A2iReview(this, 'A2iReview', {
        ...props.a2i,
        outputBucket: this.dataBucket,
        outputPrefix: DATA_PREFIX.REVIEW_OUTPUT,
      });
    this.startReviewFunction = new HandlerFunction(this, 'StartReview', {
      entry: lambdaEntry('active-learning/start-review.ts'),
      invocation: 'async',
      serviceName: 'active-learning-start-review',
      description: 'Groups new feedback into review batches and hands them to the review back end',
      timeout: Duration.minutes(5),
      environment: {
        [AL_ENV.CATEGORIES]: categories.join(','),
        [AL_ENV.MULTI_LABEL]: String(multiLabel),
        [AL_ENV.MAX_ITEMS_PER_REVIEW]: String(props.maxItemsPerReview ?? 10),
      },
    }).bind(AL_ENV.DATA_BUCKET, this.dataBucket.bucketName, (g) => {
      grantObjects(this.dataBucket, g, 'read', `${DATA_PREFIX.FEEDBACK}*`);
      grantObjects(this.dataBucket, g, 'write', `${DATA_PREFIX.REVIEW_BATCHES}*`);
    });
    this.reviewBackend.bindStarter(this.startReviewFunction);

    this.consolidateFunction = new HandlerFunction(this, 'ConsolidateReview', {
      entry: lambdaEntry('active-learning/consolidate-review.ts'),
      invocation: 'async',
      serviceName: 'active-learning-consolidate',
      description: 'Turns finished reviews into Comprehend training CSV; reports failed reviews',
      timeout: Duration.minutes(2),
    }).bind(AL_ENV.DATA_BUCKET, this.dataBucket.bucketName, (g) => {
      grantObjects(this.dataBucket, g, 'read', `${DATA_PREFIX.REVIEW_BATCHES}*`, true);
      grantObjects(this.dataBucket, g, 'write', `${DATA_PREFIX.TRAINING_DATA}*`);
      grantObjects(this.dataBucket, g, 'write', `${DATA_PREFIX.REVIEW_REPORTS}*`);
    });
    this.reviewBackend.grantReadOutput(this.consolidateFunction);

    // Events: S3 → EventBridge → Lambda, with bounded retries and the functions' dead-letter queues.
    const target = (fn: HandlerFunction) =>
      new targets.LambdaFunction(fn, {
        retryAttempts: 4,
        maxEventAge: Duration.hours(6),
        deadLetterQueue: fn.deadLetterQueue,
      });
    new events.Rule(this, 'UploadCreated', {
      description: 'Batch-feedback upload (*.json) created',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [this.uploadBucket.bucketName] }, object: { key: [{ suffix: '.json' }] } },
      },
      targets: [target(this.batchFeedbackFunction)],
    });
    new events.Rule(this, 'FeedbackDelivered', {
      description: 'Firehose delivered a feedback object',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [this.dataBucket.bucketName] }, object: { key: [{ prefix: DATA_PREFIX.FEEDBACK }] } },
      },
      targets: [target(this.startReviewFunction)],
    });
    new events.Rule(this, 'ReviewFinished', {
      description: 'A human review completed, failed or stopped',
      eventPattern: this.reviewBackend.completionEventPattern,
      targets: [target(this.consolidateFunction)],
    });

    // API.
    const api = this.restApi(props.api ?? {}, origins);
    this.api = api.api;
    this.apiKey = api.key;
    this.usagePlan = api.plan;

    // Operations.
    this.operations = new WorkflowOperations(this, 'Operations', {
      title: 'Active learning: Comprehend feedback loop',
      alarmTopic: props.alarmTopic,
    });
    this.alarms();
  }

  private feedbackStream(buffering: Duration): firehose.CfnDeliveryStream {
    const logGroup = new logs.LogGroup(this, 'FeedbackStreamLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logStream = logGroup.addStream('S3Delivery');
    const role = new iam.Role(this, 'FeedbackStreamRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Firehose writes feedback records to the data bucket with this role',
    });
    // The actions Firehose documents for an S3 destination, on the two prefixes it writes.
    for (const prefix of [DATA_PREFIX.FEEDBACK, DATA_PREFIX.FEEDBACK_ERRORS]) {
      grantObjects(this.dataBucket, role, 'write', `${prefix}*`);
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['s3:AbortMultipartUpload'],
          resources: [this.dataBucket.arnForObjects(`${prefix}*`)],
        }),
      );
    }
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [this.dataBucket.bucketArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:PutLogEvents'],
        resources: [
          Stack.of(this).formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: `${logGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    const stream = new firehose.CfnDeliveryStream(this, 'FeedbackStream', {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: this.dataBucket.bucketArn,
        roleArn: role.roleArn,
        prefix: `${DATA_PREFIX.FEEDBACK}!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/`,
        errorOutputPrefix: `${DATA_PREFIX.FEEDBACK_ERRORS}!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/`,
        bufferingHints: { intervalInSeconds: buffering.toSeconds(), sizeInMBs: 5 },
        compressionFormat: 'UNCOMPRESSED',
        fileExtension: '.jsonl',
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: logGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
      },
    });
    stream.node.addDependency(role);
    return stream;
  }

  private restApi(
    options: ActiveLearningApiOptions,
    origins: string[],
  ): { api: apigw.RestApi; key: apigw.IApiKey; plan: apigw.UsagePlan } {
    const rateLimit = options.rateLimit ?? 10;
    const burstLimit = options.burstLimit ?? 20;
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const api = new apigw.RestApi(this, 'Api', {
      description: 'Active learning: classify and feedback',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: false,
      apiKeySourceType: apigw.ApiKeySourceType.HEADER,
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        metricsEnabled: true,
        throttlingRateLimit: rateLimit,
        throttlingBurstLimit: burstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
      },
      defaultCorsPreflightOptions:
        origins.length > 0
          ? {
              allowOrigins: origins,
              allowMethods: ['POST', 'OPTIONS'],
              allowHeaders: ['Content-Type', 'X-Api-Key'],
              maxAge: Duration.hours(1),
            }
          : undefined,
    });
    const validator = api.addRequestValidator('BodyValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const classifierSchema: apigw.JsonSchema = {
      type: apigw.JsonSchemaType.STRING,
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$',
    };
    const sentenceSchema: apigw.JsonSchema = {
      type: apigw.JsonSchemaType.STRING,
      minLength: 1,
      maxLength: LIMITS.UTTERANCE_BYTES,
      pattern: '\\S',
    };
    const classifyModel = api.addModel('ClassifyRequest', {
      contentType: 'application/json',
      description: '{classifier, sentence}',
      schema: {
        schema: apigw.JsonSchemaVersion.DRAFT4,
        title: 'ClassifyRequest',
        type: apigw.JsonSchemaType.OBJECT,
        required: ['classifier', 'sentence'],
        additionalProperties: false,
        properties: { classifier: classifierSchema, sentence: sentenceSchema },
      },
    });
    const feedbackModel = api.addModel('FeedbackRequest', {
      contentType: 'application/json',
      description: '{classifier, sentence, expectedLabel?, prediction?, requestId?}',
      schema: {
        schema: apigw.JsonSchemaVersion.DRAFT4,
        title: 'FeedbackRequest',
        type: apigw.JsonSchemaType.OBJECT,
        required: ['classifier', 'sentence'],
        additionalProperties: false,
        properties: {
          classifier: classifierSchema,
          sentence: sentenceSchema,
          expectedLabel: { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: 5000 },
          prediction: { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: 5000 },
          requestId: { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: 256 },
        },
      },
    });
    const method = (path: string, fn: HandlerFunction, model: apigw.IModel) =>
      api.root.addResource(path).addMethod('POST', new apigw.LambdaIntegration(fn), {
        apiKeyRequired: true,
        requestValidator: validator,
        requestModels: { 'application/json': model },
        operationName: path,
      });
    for (const m of [
      method('classify', this.classifyFunction, classifyModel),
      method('feedback', this.feedbackFunction, feedbackModel),
    ]) {
      acknowledge(
        m,
        'Callers are applications identified by an API key with a usage plan (quota and throttling), as the workflow specifies; put an IAM or Cognito authorizer in front for end users.',
        'AwsSolutions-APIG4',
        'AwsSolutions-COG4',
      );
    }
    if (origins.length > 0) {
      for (const resource of [
        api.root,
        ...api.root.node.children.filter((c): c is apigw.Resource => c instanceof apigw.Resource),
      ]) {
        const options = resource.node.tryFindChild('OPTIONS');
        if (options)
          acknowledge(
            options,
            'CORS preflight (OPTIONS) is answered by a mock integration without credentials, as browsers send it without the API key.',
            'AwsSolutions-APIG4',
            'AwsSolutions-COG4',
          );
      }
    }
    acknowledge(
      api.deploymentStage,
      'Execution logging needs an account-wide API Gateway CloudWatch role, an account setting this stack does not take over; JSON access logs, X-Ray tracing and metrics are on.',
      'AwsSolutions-APIG6',
    );
    acknowledge(
      api.deploymentStage,
      'AWS WAF is an account-level choice with its own cost; the API is protected by API keys, a usage plan quota and throttling.',
      'AwsSolutions-APIG3',
    );
    const key = api.addApiKey('ApiKey', { description: 'Active-learning API key' });
    const plan = api.addUsagePlan('UsagePlan', {
      description: 'Active-learning API quota and throttling',
      quota: { limit: options.quotaPerMonth ?? 2000, period: apigw.Period.MONTH },
      throttle: { rateLimit, burstLimit },
      apiStages: [{ api, stage: api.deploymentStage }],
    });
    plan.addApiKey(key);
    return { api, key, plan };
  }

  private alarms(): void {
    const ops = this.operations;
    const period = Duration.minutes(5);
    const api5xx = this.api.metricServerError({ period, statistic: 'Sum' });
    ops.addAlarm(
      api5xx.createAlarm(this, 'Api5xxAlarm', {
        alarmDescription: 'The active-learning API answered 5xx: see the Classify and Feedback logs.',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    const streamName = this.deliveryStream.ref;
    const firehoseMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Firehose',
        metricName,
        dimensionsMap: { DeliveryStreamName: streamName },
        period,
        statistic,
      });
    const deliverySuccess = firehoseMetric('DeliveryToS3.Success', 'Minimum');
    ops.addAlarm(
      deliverySuccess.createAlarm(this, 'FeedbackDeliveryAlarm', {
        alarmDescription:
          'Firehose failed to deliver feedback to S3: see the FeedbackStream log group and feedback-errors/.',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    const custom = (service: string, metricName: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service },
        period,
        statistic: 'Sum',
      });
    const failedReviews = custom('active-learning-consolidate', AL_METRICS.REVIEWS_FAILED);
    ops.addAlarm(
      failedReviews.createAlarm(this, 'FailedReviewsAlarm', {
        alarmDescription:
          'Human reviews failed or were stopped: their items are in review-reports/ of the data bucket.',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    const lostImplicit = custom('active-learning-classify', AL_METRICS.IMPLICIT_FEEDBACK_FAILED);
    ops.addAlarm(
      lostImplicit.createAlarm(this, 'ImplicitFeedbackAlarm', {
        alarmDescription: 'Low-confidence classifications could not be written to Firehose (implicit feedback lost).',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    ops.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API',
        left: [
          this.api.metricCount({ period, label: 'requests' }),
          this.api.metricClientError({ period, label: '4xx' }),
          api5xx.with({ label: '5xx' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Feedback stream',
        left: [
          firehoseMetric('IncomingRecords', 'Sum').with({ label: 'records in' }),
          firehoseMetric('DeliveryToS3.Records', 'Sum').with({ label: 'records delivered' }),
        ],
        right: [deliverySuccess.with({ label: 'delivery success (min)' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Classification and feedback',
        left: [
          custom('active-learning-classify', AL_METRICS.CLASSIFICATIONS).with({ label: 'classifications' }),
          custom('active-learning-classify', AL_METRICS.LOW_CONFIDENCE).with({ label: 'low confidence' }),
          custom('active-learning-feedback', AL_METRICS.EXPLICIT_FEEDBACK).with({ label: 'explicit feedback' }),
          custom('active-learning-batch-feedback', AL_METRICS.BATCH_RECORDS_SENT).with({ label: 'batch records sent' }),
          custom('active-learning-batch-feedback', AL_METRICS.MALFORMED_UPLOADS).with({ label: 'malformed uploads' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Human review',
        left: [
          custom('active-learning-start-review', AL_METRICS.REVIEWS_STARTED).with({ label: 'started' }),
          custom('active-learning-consolidate', AL_METRICS.REVIEWS_COMPLETED).with({ label: 'completed' }),
          failedReviews.with({ label: 'failed / stopped' }),
        ],
        right: [
          custom('active-learning-consolidate', AL_METRICS.TRAINING_ROWS).with({ label: 'training rows' }),
          custom('active-learning-consolidate', AL_METRICS.UNRESOLVED_ITEMS).with({ label: 'no majority' }),
        ],
        width: 8,
      }),
    );
    const functions: [string, HandlerFunction][] = [
      ['Classify', this.classifyFunction],
      ['Feedback', this.feedbackFunction],
      ['BatchFeedback', this.batchFeedbackFunction],
      ['StartReview', this.startReviewFunction],
      ['ConsolidateReview', this.consolidateFunction],
    ];
    for (const [label, fn] of functions) {
      ops.addFunction(label, fn);
      if (fn.deadLetterQueue) ops.addDeadLetterQueue(`${label}Dlq`, fn.deadLetterQueue);
    }
  }
}
