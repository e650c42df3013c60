import { FirehoseClient, PutRecordCommand } from '@aws-sdk/client-firehose';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { z } from 'zod';
import { defineEnv, envList } from '../shared/env';
import { ThrottledError, ValidationError, describeError, isThrottling } from '../shared/errors';
import { errorResponse, jsonResponse, parseJsonBody } from '../shared/http';
import { MetricUnit, createLogger, createMetrics } from '../shared/observability';
import { AL_ENV, AL_METRICS } from './contract';
import { corsHeaders, originOf } from './core/api';
import { explicitFeedback, feedbackRequestSchema } from './core/classify';
import { encodeRecord } from './core/records';

const env = defineEnv({
  [AL_ENV.DELIVERY_STREAM]: z.string().min(1),
  [AL_ENV.CATEGORIES]: envList().default([]),
  [AL_ENV.ALLOWED_ORIGINS]: envList().default([]),
});
const logger = createLogger();
const metrics = createMetrics();
const firehose = new FirehoseClient({});

/**
 * `POST /feedback` `{classifier, sentence, expectedLabel?, prediction?, requestId?}` → one explicit-feedback record
 * (`source: "api"`) to Firehose. 202 with the record's Firehose id; 400 for bad input (an `expectedLabel` outside the
 * configured categories too); 429 when Firehose throttles; 500 otherwise.
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
    const request = parseJsonBody(event, feedbackRequestSchema);
    const record = explicitFeedback(request, config[AL_ENV.CATEGORIES], new Date());
    let answer;
    try {
      answer = await firehose.send(
        new PutRecordCommand({
          DeliveryStreamName: config[AL_ENV.DELIVERY_STREAM],
          Record: { Data: Buffer.from(encodeRecord(record)) },
        }),
      );
    } catch (error) {
      if (isThrottling(error))
        throw new ThrottledError('The feedback stream is throttling; retry later', { cause: error });
      throw error;
    }
    metrics.addMetric(AL_METRICS.EXPLICIT_FEEDBACK, MetricUnit.Count, 1);
    return jsonResponse(202, { accepted: true, recordId: answer.RecordId, requestId }, cors);
  } catch (error) {
    if (error instanceof ValidationError) logger.info('Rejected feedback', { error: describeError(error) });
    else logger.error('Feedback failed', { error: describeError(error) });
    const response = errorResponse(error, requestId);
    return { ...response, headers: { ...response.headers, ...cors } };
  } finally {
    metrics.publishStoredMetrics();
  }
};
