import { DescribeEndpointCommand, IoTClient } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { parseDeadLetters } from '../../../lambdas/shared/dead-letter';
import { alarmNotification, lookoutAlert } from '../../helpers/streaming-anomaly-fixtures';

const sns = mockClient(SNSClient);
const iot = mockClient(IoTClient);
const shadows = mockClient(IoTDataPlaneClient);
const s3 = mockClient(S3Client);
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:traffic-alerts';
let handler: (event: unknown) => Promise<{ published: number; ignored: number; unrecognized: number }>;

function snsEvent(...messages: unknown[]) {
  return {
    Records: messages.map((m, i) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:traffic-anomalies:1',
      Sns: {
        Type: 'Notification',
        MessageId: `m-${i}`,
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:traffic-anomalies',
        Subject: 'ALARM',
        Message: typeof m === 'string' ? m : JSON.stringify(m),
        Timestamp: '2026-11-23T08:21:10.000Z',
      },
    })),
  };
}

beforeAll(async () => {
  process.env.TRAFFIC_ALERT_TOPIC_ARN = TOPIC;
  process.env.TRAFFIC_SHADOW_THING_NAME = 'sign-main-street';
  process.env.TRAFFIC_DEAD_LETTER_BUCKET = 'traffic-bucket';
  ({ handler } = await import('../../../lambdas/streaming-anomaly/handle-alert'));
});

beforeEach(() => {
  sns.reset();
  iot.reset();
  shadows.reset();
  s3.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'out-1' });
  iot.on(DescribeEndpointCommand).resolves({ endpointAddress: 'abc123-ats.iot.us-east-1.amazonaws.com' });
  shadows.on(UpdateThingShadowCommand).resolves({});
});

describe('handle-alert handler', () => {
  it('turns a CloudWatch alarm notification (through SNS) into a readable message and a shadow update', async () => {
    expect(await handler(snsEvent(alarmNotification()))).toEqual({ published: 1, ignored: 0, unrecognized: 0 });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: 'Traffic anomaly: cam-2 car 95 (expected at most 41.3)',
      MessageAttributes: {
        camera_id: { DataType: 'String', StringValue: 'cam-2' },
        measure: { DataType: 'String', StringValue: 'car' },
        detector: { DataType: 'String', StringValue: 'cloudwatch' },
      },
    });
    const message = sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!;
    expect(message).toContain('Observed: 95');
    expect(message).toContain('Expected: at most 41.3');
    expect(message).toContain(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/',
    );
    const update = shadows.commandCalls(UpdateThingShadowCommand)[0]!.args[0].input;
    expect(update.thingName).toBe('sign-main-street');
    expect(JSON.parse(Buffer.from(update.payload as Uint8Array).toString('utf8'))).toMatchObject({
      state: { desired: { traffic_anomaly: { camera_id: 'cam-2', measure: 'car', observed: 95 } } },
    });
  });

  it('handles a Lookout alert invoked directly, and resolves the data endpoint once', async () => {
    expect(await handler(lookoutAlert())).toEqual({ published: 1, ignored: 0, unrecognized: 0 });
    expect(await handler(lookoutAlert())).toEqual({ published: 1, ignored: 0, unrecognized: 0 });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { Subject: expect.stringContaining('cam-7 person 80') });
    expect(iot.commandCalls(DescribeEndpointCommand).length).toBeLessThanOrEqual(1);
    expect(shadows).toHaveReceivedCommandTimes(UpdateThingShadowCommand, 2);
  });

  it('ignores OK transitions; keeps messages of no known shape (and text that is not JSON) under dead-letter/alerts/, and still publishes the good ones', async () => {
    expect(
      await handler(
        snsEvent(alarmNotification({ NewStateValue: 'OK' }), { something: 'else' }, 'plain text', alarmNotification()),
      ),
    ).toEqual({ published: 1, ignored: 1, unrecognized: 2 });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input.Bucket).toBe('traffic-bucket');
    expect(input.Key).toMatch(/^dead-letter\/alerts\//);
    expect(
      parseDeadLetters(input.Body as string).map((l) => [Buffer.from(l.data, 'base64').toString(), l.reason, l.source]),
    ).toEqual([
      [
        '{"something":"else"}',
        'neither a CloudWatch alarm notification nor a Lookout for Metrics alert',
        { snsMessageId: 'm-1' },
      ],
      ['plain text', 'SNS message is not JSON', { snsMessageId: 'm-2' }],
    ]);
  });

  it('fails (so the invocation is retried) when an unrecognized notification cannot be kept', async () => {
    s3.on(PutObjectCommand).rejects(new Error('AccessDenied'));
    await expect(handler(snsEvent('plain text'))).rejects.toThrow('AccessDenied');
  });

  it('lets a failed publish propagate, so the asynchronous invocation is retried and then dead-lettered', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(handler(snsEvent(alarmNotification()))).rejects.toThrow('Rate exceeded');
    expect(shadows).not.toHaveReceivedCommand(UpdateThingShadowCommand);
  });
});
