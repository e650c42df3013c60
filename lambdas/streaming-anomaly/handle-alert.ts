import { IoTClient, DescribeEndpointCommand } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { type DeadLetter, deadLetter, s3DeadLetterSink } from '../shared/dead-letter';
import * as z from '../shared/zod';
import { defineEnv } from '../shared/env';
import { ConfigurationError } from '../shared/errors';
import { createLogger, createMetrics, flushMetrics, MetricUnit } from '../shared/observability';
import { DEAD_LETTER_PREFIX, STREAMING_ANOMALY_ENV as ENV, STREAMING_ANOMALY_METRICS as METRICS } from './contract';
import { type ReadableAlert, classifyAlert, describeAlert, shadowDocument } from './core/alert';

const env = defineEnv({
  [ENV.ALERT_TOPIC_ARN]: z.string().check(z.startsWith('arn:')),
  [ENV.SHADOW_THING_NAME]: z._default(z.string(), ''),
  [ENV.DEAD_LETTER_BUCKET]: z.string().check(z.minLength(1)),
  AWS_REGION: z.string().check(z.minLength(1)),
});
const logger = createLogger();
const metrics = createMetrics();
const sns = new SNSClient({});
const iot = new IoTClient({});
const s3 = new S3Client({});

/** SNS delivery of a CloudWatch alarm (or any message) to the function. */
const SnsEventSchema = z.object({
  Records: z
    .array(
      z.object({
        EventSource: z.literal('aws:sns'),
        Sns: z.object({ Message: z.string(), MessageId: z.optional(z.string()) }),
      }),
    )
    .check(z.minLength(1)),
});

/** One notification of an event: its JSON body, or why it has none, with the raw text and where it came from. */
export type Notification =
  | { readonly ok: true; readonly value: unknown; readonly raw: string; readonly source: DeadLetter['source'] }
  | { readonly ok: false; readonly reason: string; readonly raw: string; readonly source: DeadLetter['source'] };

/** The notifications in an event: the JSON bodies of an SNS event's messages, or a Lookout alert invoked directly. */
export function notificationsOf(event: unknown): Notification[] {
  const asSns = SnsEventSchema.safeParse(event);
  if (!asSns.success)
    return [{ ok: true, value: event, raw: JSON.stringify(event) ?? '', source: { invoke: 'direct' } }];
  return asSns.data.Records.map((record) => {
    const source = { snsMessageId: record.Sns.MessageId };
    try {
      return { ok: true, value: JSON.parse(record.Sns.Message) as unknown, raw: record.Sns.Message, source };
    } catch {
      return { ok: false, reason: 'SNS message is not JSON', raw: record.Sns.Message, source };
    }
  });
}

// The data-plane endpoint is per account: resolve it once per container (iot:DescribeEndpoint), unless the SDK is
// pointed elsewhere through AWS_ENDPOINT_URL_IOT_DATA_PLANE.
let shadowClient: Promise<IoTDataPlaneClient> | undefined;
function shadows(): Promise<IoTDataPlaneClient> {
  shadowClient ??= (async () => {
    if (process.env.AWS_ENDPOINT_URL_IOT_DATA_PLANE) return new IoTDataPlaneClient({});
    const { endpointAddress } = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
    if (!endpointAddress) throw new ConfigurationError('iot:DescribeEndpoint returned no iot:Data-ATS endpoint');
    return new IoTDataPlaneClient({ endpoint: `https://${endpointAddress}` });
  })().catch((error: unknown) => {
    shadowClient = undefined;
    throw error;
  });
  return shadowClient;
}

async function deliver(alert: ReadableAlert, topicArn: string, thingName: string): Promise<void> {
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: alert.subject,
      Message: alert.message,
      MessageAttributes: {
        camera_id: { DataType: 'String', StringValue: alert.cameraId },
        measure: { DataType: 'String', StringValue: alert.measure },
        detector: { DataType: 'String', StringValue: alert.detector },
      },
    }),
  );
  if (thingName !== '') {
    const client = await shadows();
    await client.send(
      new UpdateThingShadowCommand({ thingName, payload: Buffer.from(JSON.stringify(shadowDocument(alert)), 'utf8') }),
    );
  }
}

/**
 * Turns a CloudWatch anomaly alarm notification (through SNS) or an Amazon Lookout for Metrics alert (invoked
 * directly) into a readable message on the alert topic — camera, measure, observed vs expected, time, console link —
 * and, when a thing name is configured, writes the anomaly into that thing's device shadow for roadside signage.
 * OK transitions are logged and ignored. A notification of no known shape (or an SNS message that is not JSON) is
 * kept under `dead-letter/alerts/` in the pipeline's bucket with the reason (metric `TrafficUnrecognizedNotifications`,
 * alarmed) and its neighbours are handled. Errors propagate: the asynchronous invocation is retried and then
 * dead-lettered.
 */
export const handler = async (
  event: unknown,
): Promise<{ published: number; ignored: number; unrecognized: number }> => {
  const config = env();
  let published = 0;
  let ignored = 0;
  const unrecognized: DeadLetter[] = [];
  try {
    for (const notification of notificationsOf(event)) {
      const input = notification.ok
        ? classifyAlert(notification.value)
        : { kind: 'unrecognized' as const, reason: notification.reason };
      if (input.kind === 'unrecognized') {
        unrecognized.push(deadLetter(notification.raw, input.reason, notification.source));
        continue;
      }
      if (input.kind === 'ignored') {
        ignored += 1;
        logger.info('Ignored a notification', { reason: input.reason });
        continue;
      }
      for (const alert of describeAlert(input, config.AWS_REGION)) {
        await deliver(alert, config[ENV.ALERT_TOPIC_ARN], config[ENV.SHADOW_THING_NAME]);
        published += 1;
        logger.info('Published a traffic alert', {
          cameraId: alert.cameraId,
          measure: alert.measure,
          observed: alert.observed,
          detector: alert.detector,
        });
      }
    }
    await s3DeadLetterSink(s3, config[ENV.DEAD_LETTER_BUCKET], DEAD_LETTER_PREFIX.ALERTS, logger).write(unrecognized);
    metrics.addMetric(METRICS.ALERTS, MetricUnit.Count, published);
    metrics.addMetric(METRICS.UNRECOGNIZED_NOTIFICATIONS, MetricUnit.Count, unrecognized.length);
    return { published, ignored, unrecognized: unrecognized.length };
  } finally {
    flushMetrics(metrics);
  }
};
