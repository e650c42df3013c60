import { IoTClient, DescribeEndpointCommand } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { defineEnv } from '../shared/env';
import { ConfigurationError, ValidationError } from '../shared/errors';
import { createLogger, createMetrics, MetricUnit } from '../shared/observability';
import { STREAMING_ANOMALY_ENV as ENV, STREAMING_ANOMALY_METRICS as METRICS } from './contract';
import { type ReadableAlert, classifyAlert, describeAlert, shadowDocument } from './core/alert';

const env = defineEnv({
  [ENV.ALERT_TOPIC_ARN]: z.string().startsWith('arn:'),
  [ENV.SHADOW_THING_NAME]: z.string().default(''),
  AWS_REGION: z.string().min(1),
});
const logger = createLogger();
const metrics = createMetrics();
const sns = new SNSClient({});
const iot = new IoTClient({});

/** SNS delivery of a CloudWatch alarm (or any message) to the function. */
const SnsEventSchema = z.object({
  Records: z
    .array(
      z.object({
        EventSource: z.literal('aws:sns'),
        Sns: z.object({ Message: z.string(), MessageId: z.string().optional() }),
      }),
    )
    .min(1),
});

/** The notifications in an event: the JSON bodies of an SNS event's messages, or a Lookout alert invoked directly. */
export function notificationsOf(event: unknown): unknown[] {
  const asSns = SnsEventSchema.safeParse(event);
  if (!asSns.success) return [event];
  return asSns.data.Records.map((record) => {
    try {
      return JSON.parse(record.Sns.Message) as unknown;
    } catch {
      throw new ValidationError(`SNS message ${record.Sns.MessageId ?? ''} is not JSON`);
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
 * Other notifications (OK transitions, unknown shapes) are logged and ignored. Errors propagate: the asynchronous
 * invocation is retried and then dead-lettered.
 */
export const handler = async (event: unknown): Promise<{ published: number; ignored: number }> => {
  const config = env();
  let published = 0;
  let ignored = 0;
  try {
    for (const notification of notificationsOf(event)) {
      const input = classifyAlert(notification);
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
    metrics.addMetric(METRICS.ALERTS, MetricUnit.Count, published);
    return { published, ignored };
  } finally {
    metrics.publishStoredMetrics();
  }
};
