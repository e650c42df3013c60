import { ClassifyDocumentCommand, ComprehendClient } from '@aws-sdk/client-comprehend';
import { FirehoseClient, PutRecordCommand } from '@aws-sdk/client-firehose';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { z } from 'zod';
import { defineEnv, envList } from '../shared/env';
import {
  NotFoundError,
  ThrottledError,
  ValidationError,
  awsErrorName,
  describeError,
  isThrottling,
} from '../shared/errors';
import { errorResponse, jsonResponse, parseJsonBody } from '../shared/http';
import { MetricUnit, createLogger, createMetrics } from '../shared/observability';
import { AL_ENV, AL_METRICS, ENDPOINT_MODES } from './contract';
import { corsHeaders, originOf } from './core/api';
import { classify, classifyRequestSchema, implicitFeedback } from './core/classify';
import { EndpointNotConfiguredError, type EndpointResolver, createEndpointResolver } from './core/endpoints';
import { encodeRecord } from './core/records';

const env = defineEnv({
  [AL_ENV.ENDPOINT_MODE]: z.enum(ENDPOINT_MODES),
  [AL_ENV.ENDPOINTS]: z.string().optional(),
  [AL_ENV.ENDPOINT_PARAMETER_PREFIX]: z.string().startsWith('/').optional(),
  [AL_ENV.ENDPOINT_CACHE_SECONDS]: z.coerce.number().int().min(0).default(60),
  [AL_ENV.THRESHOLD]: z.coerce.number().min(0).max(1),
  [AL_ENV.DELIVERY_STREAM]: z.string().min(1),
  [AL_ENV.ALLOWED_ORIGINS]: envList().default([]),
});
const logger = createLogger();
const metrics = createMetrics();
const comprehend = new ComprehendClient({});
const firehose = new FirehoseClient({});
const ssm = new SSMClient({});

let resolver: EndpointResolver | undefined;
function endpointResolver(): EndpointResolver {
  if (resolver) return resolver;
  const config = env();
  if (config[AL_ENV.ENDPOINT_MODE] === 'endpoint-arn') {
    const endpoints = z.record(z.string(), z.string()).parse(JSON.parse(config[AL_ENV.ENDPOINTS] ?? '{}'));
    resolver = createEndpointResolver({ mode: 'endpoint-arn', endpoints });
  } else {
    const prefix = config[AL_ENV.ENDPOINT_PARAMETER_PREFIX];
    if (!prefix) throw new Error(`${AL_ENV.ENDPOINT_PARAMETER_PREFIX} is required in ssm-parameter mode`);
    resolver = createEndpointResolver({
      mode: 'ssm-parameter',
      parameterPrefix: prefix,
      cacheSeconds: config[AL_ENV.ENDPOINT_CACHE_SECONDS],
      fetchParameter: async (name) => {
        try {
          return (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
        } catch (error) {
          if (awsErrorName(error) === 'ParameterNotFound') return undefined;
          throw error;
        }
      },
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
 * `POST /classify` `{classifier, sentence}` → Comprehend `ClassifyDocument` on the classifier's endpoint. Answers
 * 200 with the best class, its score and every class; 400 for bad input (with the reason), 404 for an unknown
 * classifier, 429 when Comprehend throttles, 503 when the endpoint is not configured or not ready, 500 otherwise.
 * Below the threshold, an implicit-feedback record goes to Firehose.
 */
export const handler = async (
  event: APIGatewayProxyEvent,
  context?: Pick<Context, 'awsRequestId'>,
): Promise<APIGatewayProxyResult> => {
  const requestId = event.requestContext?.requestId ?? context?.awsRequestId;
  let cors: Record<string, string> = {};
  try {
    const config = env();
    cors = corsHeaders(originOf(event.headers), config[AL_ENV.ALLOWED_ORIGINS]);
    const request = parseJsonBody(event, classifyRequestSchema);
    const endpointArn = await endpointResolver()(request.classifier);
    let answer;
    try {
      answer = await comprehend.send(new ClassifyDocumentCommand({ EndpointArn: endpointArn, Text: request.sentence }));
    } catch (error) {
      throw comprehendError(error, request.classifier);
    }
    const result = classify(request.classifier, answer, config[AL_ENV.THRESHOLD]);
    metrics.addMetric(AL_METRICS.CLASSIFICATIONS, MetricUnit.Count, 1);
    let feedback: 'recorded' | 'failed' | undefined;
    if (result.lowConfidence) {
      metrics.addMetric(AL_METRICS.LOW_CONFIDENCE, MetricUnit.Count, 1);
      try {
        await firehose.send(
          new PutRecordCommand({
            DeliveryStreamName: config[AL_ENV.DELIVERY_STREAM],
            Record: { Data: Buffer.from(encodeRecord(implicitFeedback(request, result, requestId, new Date()))) },
          }),
        );
        feedback = 'recorded';
      } catch (error) {
        // The classification itself succeeded: answer it, and make the lost feedback visible (metric + alarm + field).
        feedback = 'failed';
        metrics.addMetric(AL_METRICS.IMPLICIT_FEEDBACK_FAILED, MetricUnit.Count, 1);
        logger.error('Implicit feedback could not be recorded', {
          error: describeError(error),
          classifier: request.classifier,
        });
      }
    }
    return jsonResponse(200, { ...result, requestId, ...(feedback ? { implicitFeedback: feedback } : {}) }, cors);
  } catch (error) {
    return failure(error, requestId, cors);
  } finally {
    metrics.publishStoredMetrics();
  }
};

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

function failure(error: unknown, requestId: string | undefined, cors: Record<string, string>): APIGatewayProxyResult {
  if (error instanceof EndpointNotConfiguredError) {
    logger.error('Classifier endpoint unavailable', { error: describeError(error) });
    return jsonResponse(503, { message: error.message, requestId }, { ...cors, 'Retry-After': '30' });
  }
  if (error instanceof ValidationError || error instanceof NotFoundError) {
    logger.info('Rejected request', { error: describeError(error) });
  } else if (error instanceof ThrottledError) {
    logger.warn('Throttled', { error: describeError(error) });
  } else {
    logger.error('Classification failed', { error: describeError(error) });
  }
  const response = errorResponse(error, requestId);
  return { ...response, headers: { ...response.headers, ...cors } };
}
