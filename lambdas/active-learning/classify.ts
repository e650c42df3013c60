import { ClassifyDocumentCommand, ComprehendClient } from '@aws-sdk/client-comprehend';
import { FirehoseClient, PutRecordCommand } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { deadLetter, s3DeadLetterSink } from '../shared/dead-letter';
import { defineEnv, envInt, envList, envNumber } from '../shared/env';
import { ThrottledError, ValidationError, awsErrorName, describeError, isThrottling } from '../shared/errors';
import { apiHandler, jsonResponse } from '../shared/http';
import { MetricUnit, createLogger, createMetrics } from '../shared/observability';
import * as z from '../shared/zod';
import { endpointParameterFetcher } from './adapters/endpoint-parameters';
import { ACTIVE_LEARNING_ENV, ACTIVE_LEARNING_METRICS, DEAD_LETTER_PREFIX, ENDPOINT_MODES } from './contract';
import { classify, classifyRequestSchema, implicitFeedback } from './core/classify';
import { EndpointNotConfiguredError, type EndpointResolver, createEndpointResolver } from './core/endpoints';
import { type FeedbackRecord, encodeRecord } from './core/records';

const env = defineEnv({
  [ACTIVE_LEARNING_ENV.ENDPOINT_MODE]: z.enum(ENDPOINT_MODES),
  [ACTIVE_LEARNING_ENV.ENDPOINTS]: z.optional(z.string()),
  [ACTIVE_LEARNING_ENV.ENDPOINT_PARAMETER_PREFIX]: z.optional(z.string().check(z.startsWith('/'))),
  [ACTIVE_LEARNING_ENV.ENDPOINT_CACHE_SECONDS]: z._default(envInt(z.minimum(0)), 60),
  [ACTIVE_LEARNING_ENV.THRESHOLD]: envNumber(z.minimum(0), z.maximum(1)),
  [ACTIVE_LEARNING_ENV.DELIVERY_STREAM]: z.string().check(z.minLength(1)),
  [ACTIVE_LEARNING_ENV.DATA_BUCKET]: z.string().check(z.minLength(1)),
  [ACTIVE_LEARNING_ENV.ALLOWED_ORIGINS]: z._default(envList(), []),
});
const logger = createLogger();
const metrics = createMetrics();
const comprehend = new ComprehendClient({});
const firehose = new FirehoseClient({});
const ssm = new SSMClient({});
const s3 = new S3Client({});

let resolver: EndpointResolver | undefined;
function endpointResolver(): EndpointResolver {
  if (resolver) return resolver;
  const config = env();
  if (config[ACTIVE_LEARNING_ENV.ENDPOINT_MODE] === 'endpoint-arn') {
    const endpoints = z.record(z.string(), z.string()).parse(JSON.parse(config[ACTIVE_LEARNING_ENV.ENDPOINTS] ?? '{}'));
    resolver = createEndpointResolver({ mode: 'endpoint-arn', endpoints });
  } else {
    const prefix = config[ACTIVE_LEARNING_ENV.ENDPOINT_PARAMETER_PREFIX];
    if (!prefix) throw new Error(`${ACTIVE_LEARNING_ENV.ENDPOINT_PARAMETER_PREFIX} is required in ssm-parameter mode`);
    resolver = createEndpointResolver({
      mode: 'ssm-parameter',
      parameterPrefix: prefix,
      fetchParameter: endpointParameterFetcher(ssm, config[ACTIVE_LEARNING_ENV.ENDPOINT_CACHE_SECONDS]),
    });
  }
  return resolver;
}

/** Forget the cached endpoint resolver (tests). */
export function resetForTests(): void {
  resolver = undefined;
  env.reset();
}

/**
 * Record implicit feedback. When Firehose refuses it, the record goes to `dead-letter/implicit-feedback/` in the data
 * bucket (metric `ImplicitFeedbackFailed`, alarmed) and the classification is still answered.
 */
async function recordImplicitFeedback(record: FeedbackRecord, streamName: string, bucket: string) {
  const data = encodeRecord(record);
  try {
    await firehose.send(
      new PutRecordCommand({ DeliveryStreamName: streamName, Record: { Data: Buffer.from(data, 'utf8') } }),
    );
    return 'recorded' as const;
  } catch (error) {
    metrics.addMetric(ACTIVE_LEARNING_METRICS.IMPLICIT_FEEDBACK_FAILED, MetricUnit.Count, 1);
    const letter = deadLetter(data, `Firehose refused the record: ${describeError(error)}`, {
      deliveryStream: streamName,
      requestId: record.requestId,
    });
    try {
      await s3DeadLetterSink(s3, bucket, DEAD_LETTER_PREFIX.IMPLICIT_FEEDBACK, logger).write([letter]);
    } catch (deadLetterError) {
      // Both stores failed: the log line is the last copy of the record.
      logger.error('Implicit feedback lost: Firehose and the dead-letter prefix both failed', {
        error: describeError(error),
        deadLetterError: describeError(deadLetterError),
        record,
      });
    }
    return 'failed' as const;
  }
}

/**
 * `POST /classify` `{classifier, sentence}` → Comprehend `ClassifyDocument` on the classifier's endpoint. Answers
 * 200 with the best class, its score and every class; 400 for bad input (with the reason; a body that is not UTF-8
 * too), 415 for a body that is not JSON, 404 for an unknown classifier, 429 when Comprehend throttles, 503 when the
 * endpoint is not configured or not ready, 500 otherwise. Below the threshold, an implicit-feedback record goes to
 * Firehose (or, when Firehose refuses it, to the dead-letter prefix).
 */
export const handler = apiHandler(
  {
    logger,
    metrics,
    body: classifyRequestSchema,
    allowedOrigins: () => env()[ACTIVE_LEARNING_ENV.ALLOWED_ORIGINS],
    mapError: (error, requestId) =>
      error instanceof EndpointNotConfiguredError
        ? jsonResponse(503, { message: error.message, requestId }, { 'Retry-After': '30' })
        : undefined,
  },
  async ({ body: request, requestId }) => {
    const config = env();
    const endpointArn = await endpointResolver()(request.classifier);
    let answer;
    try {
      answer = await comprehend.send(new ClassifyDocumentCommand({ EndpointArn: endpointArn, Text: request.sentence }));
    } catch (error) {
      throw comprehendError(error, request.classifier);
    }
    const result = classify(request.classifier, answer, config[ACTIVE_LEARNING_ENV.THRESHOLD]);
    metrics.addMetric(ACTIVE_LEARNING_METRICS.CLASSIFICATIONS, MetricUnit.Count, 1);
    let feedback: 'recorded' | 'failed' | undefined;
    if (result.lowConfidence) {
      metrics.addMetric(ACTIVE_LEARNING_METRICS.LOW_CONFIDENCE, MetricUnit.Count, 1);
      feedback = await recordImplicitFeedback(
        implicitFeedback(request, result, requestId, new Date()),
        config[ACTIVE_LEARNING_ENV.DELIVERY_STREAM],
        config[ACTIVE_LEARNING_ENV.DATA_BUCKET],
      );
    }
    return jsonResponse(200, { ...result, requestId, ...(feedback ? { implicitFeedback: feedback } : {}) });
  },
);

/** Map a Comprehend error to a domain error. */
function comprehendError(error: unknown, classifier: string): unknown {
  const name = awsErrorName(error);
  if (isThrottling(error) || name === 'TooManyRequestsException')
    return new ThrottledError('Comprehend is throttling requests; retry later', { cause: error });
  if (name === 'ResourceUnavailableException')
    return new EndpointNotConfiguredError(
      `The endpoint of classifier "${classifier}" is not ready (creating, updating or failed)`,
      { cause: error },
    );
  if (name === 'ResourceNotFoundException')
    return new EndpointNotConfiguredError(`The endpoint of classifier "${classifier}" does not exist`, {
      cause: error,
    });
  if (name === 'TextSizeLimitExceededException')
    return new ValidationError('sentence is too long for Comprehend', [`sentence: ${describeError(error)}`]);
  if (name === 'InvalidRequestException')
    return new ValidationError('Comprehend rejected the request', [describeError(error)]);
  return error;
}
