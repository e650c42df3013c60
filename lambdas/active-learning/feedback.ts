import { FirehoseClient, PutRecordCommand } from '@aws-sdk/client-firehose';
import { defineEnv, envList } from '../shared/env';
import { ThrottledError, isThrottling } from '../shared/errors';
import { apiHandler, jsonResponse } from '../shared/http';
import { MetricUnit, createLogger, createMetrics } from '../shared/observability';
import * as z from '../shared/zod';
import { ACTIVE_LEARNING_ENV, ACTIVE_LEARNING_METRICS } from './contract';
import { explicitFeedback, feedbackRequestSchema } from './core/classify';
import { encodeRecord } from './core/records';

const env = defineEnv({
  [ACTIVE_LEARNING_ENV.DELIVERY_STREAM]: z.string().check(z.minLength(1)),
  [ACTIVE_LEARNING_ENV.CATEGORIES]: z._default(envList(), []),
  [ACTIVE_LEARNING_ENV.ALLOWED_ORIGINS]: z._default(envList(), []),
});
const logger = createLogger();
const metrics = createMetrics();
const firehose = new FirehoseClient({});

/**
 * `POST /feedback` `{classifier, sentence, expectedLabel?, prediction?, requestId?}` → one explicit-feedback record
 * (`source: "api"`) to Firehose. 202 with the record's Firehose id; 400 for bad input (an `expectedLabel` outside the
 * configured categories too, and a body that is not UTF-8); 415 for a body that is not JSON; 429 when Firehose
 * throttles; 500 otherwise. Nothing is stored unless Firehose accepted it, so the caller keeps what a refusal refers
 * to.
 */
export const handler = apiHandler(
  { logger, metrics, body: feedbackRequestSchema, allowedOrigins: () => env()[ACTIVE_LEARNING_ENV.ALLOWED_ORIGINS] },
  async ({ body: request, requestId }) => {
    const config = env();
    const record = explicitFeedback(request, config[ACTIVE_LEARNING_ENV.CATEGORIES], new Date());
    let answer;
    try {
      answer = await firehose.send(
        new PutRecordCommand({
          DeliveryStreamName: config[ACTIVE_LEARNING_ENV.DELIVERY_STREAM],
          Record: { Data: Buffer.from(encodeRecord(record)) },
        }),
      );
    } catch (error) {
      if (isThrottling(error))
        throw new ThrottledError('The feedback stream is throttling; retry later', { cause: error });
      throw error;
    }
    metrics.addMetric(ACTIVE_LEARNING_METRICS.EXPLICIT_FEEDBACK, MetricUnit.Count, 1);
    return jsonResponse(202, { accepted: true, recordId: answer.RecordId, requestId });
  },
);
